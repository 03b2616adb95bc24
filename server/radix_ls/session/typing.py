"""Completions while the user types: answers that need no new model call.

- **Typing through a suggestion.** When the text typed since the last suggestion was shown is
  the start of that suggestion (and nothing else in the document changed), the rest of it is
  the answer: the model would be asked the same question with a longer prefix.
- **Joining a running generation.** Editors cancel their pending request on every keystroke
  and ask again. A generation whose document has since changed only by text typed at its
  cursor keeps running; a request for that longer prefix waits for it instead of starting
  another, and answers with what remains after the typed text. A generation is aborted as soon
  as it is of no use: an edit anywhere else, typed text its output does not start with, a new
  request it cannot answer, a cancel with nothing typed (the user dismissed it), or the
  document closing.

A document has at most one generation running for completions; nothing here blocks the loop.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from radix_ls.features.completion import Completion

log = logging.getLogger("radix_ls")


def typed_since(before0: str, after0: str, before: str, after: str) -> str | None:
    """The text typed at the cursor to go from (before0, after0) to (before, after): the text
    on either side of the cursor, then and now. None when anything else changed."""
    if after != after0 or not before.startswith(before0):
        return None
    return before[len(before0) :]


def rest_of(suggestion: str | None, typed: str | None) -> str | None:
    """What remains of `suggestion` once `typed` was typed through it; None if it diverged,
    nothing remains, or nothing was typed (a request at the very same place asks the model
    again: the user dismissed the suggestion, or sampling may give another)."""
    if not suggestion or not typed or not suggestion.startswith(typed):
        return None
    rest = suggestion[len(typed) :]
    return rest if rest.strip() else None


@dataclass
class Suggestion:
    """The last completion shown for a document, with the text around its cursor then."""

    before: str
    after: str
    text: str


@dataclass
class Running:
    """A completion generation in flight for a document."""

    before: str
    after: str
    job: asyncio.Future[Completion]
    # The text typed at its cursor since it started, and the model's raw output so far (set
    # from the engine's thread by `watch`): where they disagree the generation is of no use.
    typed: str = ""
    partial: str = ""
    done: bool = field(default=False)

    def watch(self, raw: str) -> bool:
        """The generation's stop check: True (stop) once its output contradicts what was
        typed meanwhile. Runs on the engine's thread; reads and writes plain references."""
        self.partial = raw
        typed = self.typed
        return bool(typed) and not (raw.startswith(typed) or typed.startswith(raw))


class TypingState:
    """Per-document suggestions and running generations (mutated on the event loop)."""

    def __init__(self) -> None:
        self.suggestions: dict[str, Suggestion] = {}
        self.running: dict[str, Running] = {}

    def continuation(self, uri: str, before: str, after: str) -> str | None:
        """The rest of the last suggestion when it was typed through, else None."""
        s = self.suggestions.get(uri)
        if s is None:
            return None
        return rest_of(s.text, typed_since(s.before, s.after, before, after))

    def joinable(self, uri: str, before: str, after: str) -> Running | None:
        r = self.running.get(uri)
        if r is None or r.job.done():
            return None
        return r if typed_since(r.before, r.after, before, after) is not None else None

    def edited(self, uri: str, text: str) -> None:
        """The document is now `text`: abort its generation unless only its cursor's text grew
        in a way its output so far agrees with."""
        r = self.running.get(uri)
        if r is None:
            return
        fits = len(text) >= len(r.before) + len(r.after)
        if fits and text.startswith(r.before) and text.endswith(r.after):
            typed = text[len(r.before) : len(text) - len(r.after)]
            partial = r.partial
            if not partial or partial.startswith(typed) or typed.startswith(partial):
                r.typed = typed
                return
            log.debug("completion generation for %s aborted: %r typed, %r generated", uri,
                      typed[:40], partial[:40])  # fmt: skip
        else:
            log.debug("completion generation for %s aborted: edited away from its cursor", uri)
        self.abort(uri)

    def abort(self, uri: str) -> None:
        r = self.running.pop(uri, None)
        if r is not None and not r.job.done():
            r.job.cancel()

    def closed(self, uri: str) -> None:
        self.abort(uri)
        self.suggestions.pop(uri, None)
