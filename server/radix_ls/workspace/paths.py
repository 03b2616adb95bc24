"""Workspace-relative paths: the one rule for turning a file's path into the POSIX path relative
to the workspace root that the index, prompts and code actions use."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path


def relative(path: str | os.PathLike[str], root: Path) -> str | None:
    """`path` relative to `root` as a POSIX path; None for paths outside it (or the root).

    An absolute path is taken as it is first, then with symlinks resolved (the editor may name
    a file through a link the root does not use); a relative one is normalised.
    """
    raw = os.fspath(path)
    if os.path.isabs(raw):
        try:
            rel = Path(raw).relative_to(root).as_posix()
        except ValueError:
            try:
                rel = Path(raw).resolve().relative_to(root).as_posix()
            except (ValueError, OSError):
                return None
    else:
        rel = posixpath.normpath(raw.replace(os.sep, "/"))
    if rel in ("", ".") or rel == ".." or rel.startswith("../"):
        return None
    return rel


def display(path: Path | None, root: Path | None, fallback: str) -> str:
    """How a prompt names a document: relative to the root when inside it, else its file name
    (`fallback` for a document with no path, e.g. an untitled buffer)."""
    if path is None:
        return fallback
    if root is not None:
        rel = relative(path, root.resolve()) or relative(path, root)
        if rel is not None:
            return rel
    return path.name
