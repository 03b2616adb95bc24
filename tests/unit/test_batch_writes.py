"""How a batch writes (issue 14 items 1-5): checked atomic replaces confined to the workspace,
the merge of several places' changes to one other file, and the journal of units that write
more than one file. Real files in a temporary folder; the end-to-end runs are in
tests/cli/test_batch.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from radix_ls.batch import writes as W
from radix_ls.batch.journal import ABSENT, Journal, WriteRefused, digest, write_checked
from radix_ls.features.actions import FileChange
from radix_ls.workspace.documents import TextEdit


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".radix-ls-tmp")]


def test_a_file_changed_since_the_plan_is_not_replaced(tmp_path):
    """issue 14 item 1: the hash is compared right before the replace."""
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    planned_from = digest("x = 1\n")
    path.write_text("x = 2  # saved by the user\n")
    with pytest.raises(WriteRefused, match=r"a.py: changed on disk while the model ran"):
        write_checked(path, tmp_path, "x = 1  # edited\n", planned_from, "a.py")
    assert path.read_text() == "x = 2  # saved by the user\n" and leftovers(tmp_path) == []
    write_checked(path, tmp_path, "x = 3\n", digest("x = 2  # saved by the user\n"), "a.py")
    assert path.read_text() == "x = 3\n"


def test_a_new_file_that_appeared_meanwhile_is_not_replaced(tmp_path):
    """issue 14 item 5: a file the plan creates must still not exist when it is written."""
    path = tmp_path / "test_a.py"
    write_checked(path, tmp_path, "def test_a():\n    pass\n", ABSENT, "test_a.py")
    assert path.read_text() == "def test_a():\n    pass\n"
    with pytest.raises(WriteRefused, match="changed on disk"):
        write_checked(path, tmp_path, "other\n", ABSENT, "test_a.py")
    assert path.read_text() == "def test_a():\n    pass\n" and leftovers(tmp_path) == []


def test_symlinks_and_files_outside_the_root_are_refused(tmp_path):
    """issue 14 items 2 and 3: never over or through a symlink, never outside the root."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    target = outside / "secret.py"
    target.write_text("KEEP = 1\n")
    (root / "link.py").symlink_to(target)
    (root / "linked").symlink_to(outside, target_is_directory=True)
    cases = [
        (root / "link.py", "is a symlink"),
        (root / "linked" / "secret.py", "outside the workspace"),
        (root / ".." / "outside" / "secret.py", "outside the workspace"),
        (target, "outside the workspace"),
    ]
    for path, why in cases:
        with pytest.raises(WriteRefused, match=why):
            write_checked(path, root, "KEEP = 2\n", digest("KEEP = 1\n"), "f")
    assert (root / "link.py").is_symlink() and target.read_text() == "KEEP = 1\n"
    assert leftovers(root) == [] and leftovers(outside) == []


def test_a_planted_temporary_file_link_is_not_followed(tmp_path):
    """issue 14 item 2: the temporary file is created fresh, never through a link that a
    repository could plant under the old fixed temporary name."""
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    victim = tmp_path / "victim"
    victim.write_text("untouched\n")
    (tmp_path / ".a.py.radix-ls-tmp").symlink_to(victim)
    os.chmod(path, 0o640)
    write_checked(path, tmp_path, "x = 2\n", digest("x = 1\n"), "a.py")
    assert path.read_text() == "x = 2\n" and victim.read_text() == "untouched\n"
    assert os.stat(path).st_mode & 0o777 == 0o640  # permissions kept


def change(path: Path, old: str, code: str, create: bool) -> FileChange:
    return FileChange(path, create, old, old + code, (TextEdit(len(old), len(old), code),))


def test_appends_of_several_places_to_one_test_file_are_merged_in_order(tmp_path):
    """issue 14 item 5: each place's tests appended to the same file all get written."""
    source, tests = tmp_path / "calc.py", tmp_path / "tests" / "test_calc.py"
    pairs = [
        ("add", change(tests, "", "def test_add():\n    assert 1 + 1 == 2\n", True)),
        ("mul", change(tests, "", "def test_mul():\n    assert 2 * 2 == 4\n", True)),
        ("bad", change(tests, "stale\n", "def test_x():\n    pass\n", False)),
    ]
    planned, failed = W.merge_other_files(source, tmp_path, pairs)
    (plan,) = planned
    assert plan.create and plan.rel == "tests/test_calc.py"
    assert plan.new == (
        "def test_add():\n    assert 1 + 1 == 2\n\ndef test_mul():\n    assert 2 * 2 == 4\n"
    )
    assert list(failed) == ["bad"] and "changed while this run computed" in failed["bad"]
    assert plan.diff().startswith("--- /dev/null\n+++ b/tests/test_calc.py\n")
    broken = [("x", change(tests, "", "def test_broken(:\n", True))]
    planned, failed = W.merge_other_files(source, tmp_path, broken)
    assert planned == [] and "do not parse" in failed["x"]


def test_a_unit_writing_two_files_resumes_as_a_whole(tmp_path):
    """issue 14 items 1 and 5: the journal records every file a unit writes, so a re-run
    neither appends the tests twice nor loses them; a refused unit is done again."""
    (tmp_path / "tests").mkdir()
    source = tmp_path / "calc.py"
    source.write_text("def add(a, b):\n    return a + b\n")
    text = source.read_text()
    tests = tmp_path / "tests" / "test_calc.py"
    plan = W.Planned(tests, "tests/test_calc.py", "", "def test_add():\n    pass\n", True)
    journal = Journal(tmp_path / "journal.jsonl")
    now = lambda rel: W.current_digest(tmp_path / rel)  # noqa: E731
    assert journal.status("calc.py", text, now) == "redo"
    W.commit_unit(journal, tmp_path, "calc.py", text, [plan], dirty=set())
    assert tests.read_text() == plan.new
    assert journal.status("calc.py", text, now) == "finished"
    journal.close()
    reopened = Journal(tmp_path / "journal.jsonl")  # as a resumed run reads it
    assert reopened.status("calc.py", text, now) == "finished"
    tests.write_text(plan.new + "# edited since\n")
    assert reopened.status("calc.py", text, now) == "changed"
    tests.unlink()
    assert reopened.status("calc.py", text, now) == "redo"  # never written, as far as it shows
    tests.write_text("appeared\n")  # a refused unit: the journal marks it to be done again
    with pytest.raises(WriteRefused, match=r"tests/test_calc.py: changed on disk"):
        W.commit_unit(reopened, tmp_path, "calc.py", text, [plan], dirty=set())
    assert reopened.entries["calc.py"].state != "writing"
    tests.unlink()
    assert reopened.status("calc.py", text, now) == "redo"
    reopened.close()


def test_a_dirty_test_file_is_refused_unless_forced(tmp_path):
    """issue 14 item 5: an existing test file with uncommitted changes is refused like a
    dirty source file; forced, it is written."""
    tests = tmp_path / "test_calc.py"
    tests.write_text("import calc\n")
    plan = W.Planned(tests, "test_calc.py", "import calc\n", "import calc\nx = 1\n", False)
    journal = Journal(tmp_path / "j.jsonl")
    with pytest.raises(WriteRefused, match=r"test_calc.py: has uncommitted changes"):
        W.commit_unit(journal, tmp_path, "calc.py", "", [plan], dirty={W.real_path(tests)})
    assert tests.read_text() == "import calc\n"
    W.commit_unit(journal, tmp_path, "calc.py", "", [plan], dirty=None)
    assert tests.read_text() == "import calc\nx = 1\n"
    journal.close()
