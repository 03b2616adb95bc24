"""The tests action: tests for a function, appended to its test file (created if new).

Where tests go follows each language's convention (`test_file_for`); the answer must parse in
the test file's language with no more errors than the file had, and it is only ever appended:
the existing tests stay as they are. A test file outside the workspace (a `tests/` folder that
is a symlink to elsewhere) or one that is itself a symlink is never a target: the action is
not offered there, and asked for anyway it fails saying why (`checked_test_file`).
"""

from __future__ import annotations

from pathlib import Path

from radix_ls.features import edits as E
from radix_ls.features.actions import base
from radix_ls.features.syntax import SyntaxDocument, language_of
from radix_ls.workspace.documents import TextEdit

LANGUAGES = frozenset({"python", "javascript", "typescript", "tsx", "go"})


def test_file_for(path: Path | None, language: str, root: Path | None) -> Path | None:
    """Where tests for code in `path` go: an existing test file if there is one, else the
    conventional new one (Python: tests/test_<module>.py when the workspace has tests/)."""
    if path is None or language not in LANGUAGES:
        return None
    stem, suffix = path.stem, path.suffix
    if language == "python":
        if stem.startswith("test_"):
            return None
        candidates = [path.with_name(f"test_{stem}.py")]
        if root is not None:
            candidates.insert(0, root / "tests" / f"test_{stem}.py")
        for candidate in candidates:
            if candidate.is_file():
                return candidate
        if root is not None and (root / "tests").is_dir():
            return candidates[0]
        return candidates[-1]
    if language == "go":
        return None if stem.endswith("_test") else path.with_name(f"{stem}_test.go")
    if stem.endswith((".test", ".spec")):
        return None
    return path.with_name(f"{stem}.test{suffix}")


def checked_test_file(path: Path | None, language: str, root: Path | None) -> Path:
    """The test file the action may write for code in `path`: `test_file_for`'s, confined to
    the workspace (`base.confined`). Raises ActionFailed saying why there is none."""
    tests = test_file_for(path, language, root)
    if tests is None:
        raise base.ActionFailed("tests: no test file location for this document")
    return base.confined(tests, root, path)


class Tests(base.Action):
    """Generate tests for the function around the cursor."""

    id = "tests"
    kind = "source"
    languages = LANGUAGES

    def offer(self, place: base.Place) -> base.Offer | None:
        function = place.function
        if function is None or function.name.startswith("test"):
            return None
        try:
            tests = checked_test_file(place.snapshot.path, place.doc.language, place.root)
        except base.ActionFailed:
            return None
        if not (place.can_create_files or tests.is_file()):
            return None
        title = f"radix-ls: Generate tests for {function.name}"
        return self.offered(title, self.about(function))

    def targets(self, doc: SyntaxDocument) -> list[base.ActionRequest] | None:
        # Every language's functions, as before the registry: in a language with no test
        # file convention each place then fails with that reason, which the batch reports.
        functions = [d for d in doc.definitions() if d.kind == "function"]
        return [self.about(d) for d in functions if not d.name.startswith(("test", "_"))]

    def task(self, inp: base.ActionInput) -> base.Task:
        # refused here, before the model runs, when the test file may not be written
        name = checked_test_file(inp.snapshot.path, inp.doc.language, inp.root).name
        framework = {"python": "pytest", "go": "the testing package"}.get(
            inp.doc.language, "the project's test framework (describe/it/expect)"
        )
        first, last = inp.lines
        return base.Task(
            f"Write {framework} tests for {inp.what} (lines {first}-{last} above):{inp.quoted}"
            f"They go at the end of {name}. Cover normal cases and edge cases. Include the"
            " imports the tests need unless the file already has them. Reply with the test"
            " code only.",
            inp.fence,
            base.CODE_STOP,
        )

    def apply(self, inp: base.ActionInput, answer: str) -> base.ActionResult:
        path = checked_test_file(inp.snapshot.path, inp.doc.language, inp.root)
        code = E.extract_code(answer)
        if not code.strip():
            raise base.Rejected("the answer held no test code")
        existing = _existing(path, inp)
        old = existing or ""
        sep = (
            ""
            if not old
            else ("\n" if old.endswith("\n\n") else "\n\n" if old.endswith("\n") else "\n\n\n")
        )
        new_text = old + sep + E.fit_indent(code, "") + "\n"
        language = language_of("", path) or inp.doc.language
        before = len(SyntaxDocument(old, language).errors()) if old else 0
        base.check_parse(new_text, language, before)
        change = base.FileChange(
            path=path,
            create=existing is None,
            old_text=old,
            new_text=new_text,
            edits=(TextEdit(len(old), len(old), new_text[len(old) :]),),
        )
        return base.ActionResult(self.id, (change,), (), 0, summary=f"tests added to {path.name}")


def _existing(path: Path, inp: base.ActionInput) -> str | None:
    """The test file's text: an open editor's, else the disk's; None when it does not exist."""
    existing = inp.test_text(path) if inp.test_text else None
    if existing is None and path.is_file():
        try:
            existing = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise base.ActionFailed(f"cannot read {path}: {exc}") from exc
    return existing
