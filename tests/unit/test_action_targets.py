"""Which files a code action may change (issue 14 item 4): the tests action's test file and
the edited document must be regular files inside the workspace after resolving symlinks, and
not symlinks; otherwise the action is not offered, and asked for it fails saying why."""

from __future__ import annotations

from pathlib import Path

import pytest

from radix_ls.features import actions as A
from radix_ls.features.actions import checked_test_file
from radix_ls.workspace.documents import DocumentSnapshot

CALC = "def add(a, b):\n    return a + b\n"


def workspace(tmp_path: Path) -> tuple[Path, Path, Path]:
    root, outside = tmp_path / "ws", tmp_path / "outside"
    (root / "pkg").mkdir(parents=True)
    outside.mkdir()
    source = root / "pkg" / "calc.py"
    source.write_text(CALC)
    return root, outside, source


def offered(source: Path, root: Path) -> list[str]:
    snapshot = DocumentSnapshot(source.as_uri(), 1, "python", CALC, source)
    at = CALC.index("return")
    return [o.request.action for o in A.offers(snapshot, at, at, root=root)]


def test_the_conventional_test_file_is_the_target(tmp_path):
    root, _outside, source = workspace(tmp_path)
    assert checked_test_file(source, "python", root) == source.with_name("test_calc.py")
    (root / "tests").mkdir()
    assert checked_test_file(source, "python", root) == root / "tests" / "test_calc.py"
    assert "tests" in offered(source, root)


@pytest.mark.parametrize(
    ("case", "why"),
    [
        ("tests folder links out", "tests/test_calc.py: outside the workspace"),
        ("test file links out", "tests/test_calc.py: is a symlink"),
        ("test file links in", "tests/test_calc.py: is a symlink"),
    ],
)
def test_test_files_through_symlinks_are_refused(tmp_path, case, why):
    """issue 14 item 4."""
    root, outside, source = workspace(tmp_path)
    (outside / "test_calc.py").write_text("# elsewhere\n")
    if case == "tests folder links out":
        (root / "tests").symlink_to(outside, target_is_directory=True)
    else:
        (root / "tests").mkdir()
        inside = root / "pkg" / "other.py"
        inside.write_text("")
        link = outside / "test_calc.py" if case == "test file links out" else inside
        (root / "tests" / "test_calc.py").symlink_to(link)
    with pytest.raises(A.ActionFailed, match=why):
        checked_test_file(source, "python", root)
    assert "tests" not in offered(source, root) and "docstring" in offered(source, root)


def test_documents_outside_the_root_are_refused(tmp_path):
    """issue 14 item 4: also when named with `..` from inside the root."""
    root, outside, _source = workspace(tmp_path)
    (outside / "other.py").write_text(CALC)
    for path in (outside / "other.py", root / "pkg" / ".." / ".." / "outside" / "other.py"):
        with pytest.raises(A.ActionFailed, match="outside the workspace"):
            A.confined(path, root)
    link = root / "pkg" / "link.py"
    link.symlink_to(root / "pkg" / "calc.py")
    with pytest.raises(A.ActionFailed, match=r"pkg/link.py: is a symlink"):
        A.confined(link, root)
    assert A.confined(root / "pkg" / "calc.py", root) == root.resolve() / "pkg" / "calc.py"
