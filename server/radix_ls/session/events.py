"""What a session tells its front end, and the records it reports its state in.

The session (the LSP server's or a CLI command's) does not know how its front end shows
things: it calls `Events.show` for a message meant for the user and `Events.begin` for long
work (loading a model, indexing, a code action), which returns a `Progress` to report on and
end. The LSP front end turns these into window/showMessage and work-done progress; the CLI
prints them to stderr; `LogEvents` only logs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

log = logging.getLogger("radix_ls")

Level = Literal["error", "warning", "info"]


class SessionError(Exception):
    """A request the session could not do; the message says why, in the user's terms."""


@dataclass(frozen=True)
class ServiceStatus:
    """The state of a long-lived service (engine, index) and a detail for the user."""

    state: str = "starting"  # starting | loading | indexing | ready | error | stopped | off
    detail: str = ""


class Progress(Protocol):
    """Reports on one piece of long work. `report` may be called from any thread."""

    def report(self, message: str, percentage: int | None = None) -> None: ...

    def end(self) -> None: ...


class Events(Protocol):
    """The front end's side of a session."""

    def show(self, level: Level, message: str) -> None:
        """A message the user should see (an error, a warning about settings...)."""
        ...

    async def begin(
        self, title: str, *, percentage: bool = False, cancel: Callable[[], None] | None = None
    ) -> Progress:
        """Start reporting progress on long work titled `title`. `cancel`, when given, is
        called (on the event loop) if the user cancels the work from the progress display."""
        ...


class _LogProgress:
    def __init__(self, title: str) -> None:
        self.title = title

    def report(self, message: str, percentage: int | None = None) -> None:
        log.debug("%s: %s", self.title, message)

    def end(self) -> None:
        pass


class LogEvents:
    """Events that go to the log only (tests, embedding)."""

    def show(self, level: Level, message: str) -> None:
        log.log(logging.getLevelName(level.upper()), "%s", message)

    async def begin(
        self, title: str, *, percentage: bool = False, cancel: Callable[[], None] | None = None
    ) -> Progress:
        return _LogProgress(title)
