"""The progress display of `radix-ls batch`: one status line on a terminal, a line per
finished file otherwise."""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """One status line on a terminal (redrawn), a line per finished file otherwise."""

    def __init__(self, stream: TextIO, total_files: int) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.total_files = total_files
        self.targets = 0
        self.targets_done = 0
        self.failed = 0
        self.files_done = 0
        self.start = time.perf_counter()

    def draw(self, note: str = "") -> None:
        if not self.tty and not note:
            return
        elapsed = time.perf_counter() - self.start
        width = 24
        share = self.targets_done / self.targets if self.targets else 0.0
        bar = "#" * int(share * width) + "." * (width - int(share * width))
        line = (
            f"[{bar}] {self.targets_done}/{self.targets} places, "
            f"{self.files_done}/{self.total_files} files, {self.failed} failed, {elapsed:.0f} s"
        )
        if self.tty:
            self.stream.write("\r\033[K" + line + (f"  {note}" if note else ""))
        else:
            self.stream.write(f"radix-ls: {note}: {line}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
