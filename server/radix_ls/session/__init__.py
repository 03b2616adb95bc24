"""The session layer: one workspace, its open documents, engine and index, for any front end.

`Session` (core.py) is what the language server (`lsp/`) and the CLI (`cli.py`) both build;
neither wires engines, indexes or services by hand. `EngineHost` (engine.py) and `IndexHost`
(index.py) own the two long-lived services' lifecycles; `Events` (events.py) is how a session
talks back to its front end (messages, progress). Nothing here imports pygls or lsprotocol.
"""

from radix_ls.session.core import ContextView, Session
from radix_ls.session.events import Events, LogEvents, Progress, ServiceStatus, SessionError

__all__ = [
    "ContextView",
    "Events",
    "LogEvents",
    "Progress",
    "ServiceStatus",
    "Session",
    "SessionError",
]
