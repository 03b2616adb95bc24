"""Confinement to the workspace root (workspace/confine.py) on real files and symlinks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from radix_ls.workspace.confine import ConfinementError, check_read, check_write, is_inside


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "repo"
    outside = tmp_path / "outside"
    (root / "pkg").mkdir(parents=True)
    outside.mkdir()
    (root / "pkg" / "a.py").write_text("x = 1\n")
    (outside / "secret.py").write_text("y = 2\n")
    (root / "link_out.py").symlink_to(outside / "secret.py")
    (root / "link_in.py").symlink_to(root / "pkg" / "a.py")
    (root / "dir_out").symlink_to(outside, target_is_directory=True)
    return root, outside


def test_reads_inside_root_are_allowed_also_through_inner_links(layout: tuple[Path, Path]) -> None:
    root, _ = layout
    assert check_read(root / "pkg" / "a.py", root) == (root / "pkg" / "a.py").resolve()
    assert check_read(root / "link_in.py", root) == (root / "pkg" / "a.py").resolve()
    assert is_inside(root / "pkg", root)


@pytest.mark.parametrize("name", ["link_out.py", "dir_out", "dir_out/secret.py", "../outside"])
def test_reads_that_resolve_outside_are_refused(layout: tuple[Path, Path], name: str) -> None:
    root, _ = layout
    with pytest.raises(ConfinementError, match="outside the workspace"):
        check_read(root / name, root)
    assert not is_inside(root / name, root)


def test_writes_to_regular_and_new_files_inside_are_allowed(layout: tuple[Path, Path]) -> None:
    root, _ = layout
    assert check_write(root / "pkg" / "a.py", root) == root.resolve() / "pkg" / "a.py"
    assert check_write(Path("pkg/new.py"), root) == root.resolve() / "pkg" / "new.py"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("link_out.py", "symlink"),
        ("link_in.py", "symlink"),
        ("dir_out/secret.py", "outside the workspace"),
        ("dir_out/new.py", "outside the workspace"),
        ("../outside/secret.py", "outside the workspace"),
        ("pkg", "not a regular file"),
    ],
)
def test_writes_outside_or_through_links_are_refused(
    layout: tuple[Path, Path], name: str, reason: str
) -> None:
    root, _ = layout
    with pytest.raises(ConfinementError, match=reason):
        check_write(root / name, root)


def test_a_root_reached_through_a_symlink_still_confines(layout: tuple[Path, Path]) -> None:
    root, outside = layout
    alias = root.parent / "alias"
    alias.symlink_to(root, target_is_directory=True)
    assert check_write(alias / "pkg" / "a.py", alias) == root.resolve() / "pkg" / "a.py"
    with pytest.raises(ConfinementError):
        check_write(alias / "link_out.py", alias)
    fifo = root / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ConfinementError, match="not a regular file"):
        check_write(fifo, root)
    assert outside.exists()
