"""Reading source files from disk with clear errors for what radix-ls cannot use."""

from __future__ import annotations

from pathlib import Path

MAX_FILE_BYTES = 4 * 1024 * 1024


class SourceFileError(ValueError):
    """A file that is missing, too large, binary or not UTF-8 (the message says which)."""


def read_source(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of a UTF-8 source file, line breaks untouched."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise SourceFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise SourceFileError(f"{path}: {exc.strerror}") from None
    if path.is_dir():
        raise SourceFileError(f"{path}: is a directory, not a file")
    if size > max_bytes:
        raise SourceFileError(f"{path}: {size} bytes is over the {max_bytes}-byte limit")
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        raise SourceFileError(f"{path}: looks binary (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceFileError(
            f"{path}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "radix-ls reads source files as UTF-8"
        ) from None
    return text.removeprefix("\ufeff")
