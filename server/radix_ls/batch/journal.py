"""The batch journal: what an `--apply` run has written, so an interrupted run resumes.

Each file goes through two journal lines: `writing` (with the hashes of its text before and
after) just before the atomic replace, then `done`. On a re-run a file whose text hashes to
its recorded `after` was finished (even if the run died between the replace and `done`), one
that still hashes to `before` was not written and is done again, and anything else was
changed by someone since and is left alone. Lines are appended and flushed to disk one by
one, so a kill at any point loses nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Entry:
    path: str
    state: str  # "writing" | "done"
    before: str
    after: str


class Journal:
    """An append-only JSON-lines file; the last entry per path wins."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, Entry] = {}
        if path.is_file():
            for line in path.read_text("utf-8").splitlines():
                try:
                    raw = json.loads(line)
                    entry = Entry(raw["path"], raw["state"], raw["before"], raw["after"])
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a kill: the entry before it stands
                self.entries[entry.path] = entry
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")

    def status(self, rel: str, text: str) -> str:
        """ "finished", "redo" (never written) or "changed" (someone edited it since)."""
        entry = self.entries.get(rel)
        if entry is None:
            return "redo"
        current = digest(text)
        if current == entry.after:
            return "finished"
        if current == entry.before:
            return "redo"
        return "changed"

    def record(self, rel: str, state: str, before: str, after: str) -> None:
        entry = Entry(rel, state, before, after)
        self.entries[rel] = entry
        self._file.write(json.dumps(entry.__dict__) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self, *, remove: bool = False) -> None:
        self._file.close()
        if remove:
            self.path.unlink(missing_ok=True)


def write_atomically(path: Path, text: str) -> None:
    """Replace `path`'s content with `text` in one step (a temporary file in the same
    directory, flushed, then renamed over it), keeping its permissions."""
    tmp = path.with_name(f".{path.name}.radix-ls-tmp")
    data = text.encode("utf-8", "surrogatepass")
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    if mode is not None:
        os.chmod(tmp, mode)
    os.replace(tmp, path)
