"""Confinement to the workspace root: the one rule for which paths radix-ls may read and write.

Reads stay inside the root after symlinks are resolved (a committed link to `/etc/passwd` or to
a sibling repository is not the workspace's content). Writes go only to regular files inside the
root, never through or over a symlink, so a plan computed from the workspace cannot change
anything outside it. Both checks resolve the real root once, so a workspace reached through a
symlinked directory (e.g. `/home/me/src -> /data/src`) still works.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class ConfinementError(ValueError):
    """A path radix-ls refuses to read or write; the message says why, naming the path."""


def real_root(root: Path) -> Path:
    """The root with every symlink resolved (what confinement compares against)."""
    return Path(os.path.realpath(root))


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def is_inside(path: Path, root: Path) -> bool:
    """Whether `path`, symlinks resolved, lies inside `root` (symlinks resolved too)."""
    return _within(Path(os.path.realpath(path)), real_root(root))


def real_path(path: Path) -> Path:
    """`path` made absolute with its folder's symlinks resolved but not its own name (a
    symlink stays one): how a write names its target."""
    absolute = Path(os.path.abspath(path))
    return Path(os.path.realpath(absolute.parent)) / absolute.name


def check_read(path: Path, root: Path) -> Path:
    """The real path of `path` if reading it stays inside the root, else ConfinementError."""
    real = Path(os.path.realpath(path))
    if not _within(real, real_root(root)):
        raise ConfinementError(f"{path}: resolves to {real}, outside the workspace {root}")
    return real


def check_write(path: Path, root: Path) -> Path:
    """The absolute path to write if `path` may be written, else ConfinementError.

    Allowed: a regular file (existing or new) whose directory, symlinks resolved, is inside the
    root, and which is not itself a symlink. Refused: anything outside the root (also through
    `..` or a symlinked directory), symlinks (replacing one would cut the link; writing through
    it would change its target), and special files (directories, FIFOs, devices).
    """
    target = real_path(path if path.is_absolute() else root / path)
    if not _within(target.parent, real_root(root)):
        raise ConfinementError(f"{path}: outside the workspace {root}; not written")
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise ConfinementError(f"{path}: cannot be checked ({exc.strerror}); not written") from None
    if stat.S_ISLNK(mode):
        raise ConfinementError(f"{path}: is a symlink; radix-ls never writes through or over one")
    if not stat.S_ISREG(mode):
        raise ConfinementError(f"{path}: not a regular file; not written")
    return target
