"""Code actions without a model: what is offered where, in every language, and how a given
answer becomes edits (or is rejected). The model's answers here are inputs, as a model could
write them; the LSP tests run the same code with a real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from radix_ls.features import actions as A
from radix_ls.features.edits import apply_all
from radix_ls.features.syntax import SyntaxDocument
from radix_ls.workspace.documents import DocumentSnapshot

# (language id, file name, source, a local variable's first use inside `work`)
LANGUAGES = [
    ("python", "m.py", "def work(items):\n    total = 0\n    return total\n", "total"),
    (
        "javascript",
        "m.js",
        "function work(items) {\n  let total = 0;\n  return total;\n}\n",
        "total",
    ),
    (
        "typescript",
        "m.ts",
        "function work(items) {\n  const total = 0;\n  return total;\n}\n",
        "total",
    ),
    (
        "typescriptreact",
        "m.tsx",
        "const work = (items) => {\n  const total = 0;\n  return total;\n};\n",
        "total",
    ),
    ("go", "m.go", "package m\n\nfunc work(items []int) int {\n\ttotal := 0\n\treturn total\n}\n",
     "total"),
    ("rust", "m.rs", "fn work(items: &[i32]) -> i32 {\n    let total = 0;\n    total\n}\n",
     "total"),
    (
        "java",
        "M.java",
        "class M {\n  int work(int items) {\n    int total = 0;\n    return total;\n  }\n}\n",
        "total",
    ),
    ("c", "m.c", "int work(int items) {\n  int total = 0;\n  return total;\n}\n", "total"),
    ("cpp", "m.cpp", "int work(int items) {\n  int total = 0;\n  return total;\n}\n", "total"),
]  # fmt: skip


def snap(tmp_path: Path, name: str, text: str, language: str) -> DocumentSnapshot:
    path = tmp_path / name
    path.write_text(text)
    return DocumentSnapshot(path.as_uri(), 1, language, text, path)


@pytest.mark.parametrize(("language", "name", "text", "local"), LANGUAGES)
def test_function_actions_in_every_language(tmp_path, language, name, text, local):
    snapshot = snap(tmp_path, name, text, language)
    at = text.index(local)
    offered = {o.request.action for o in A.offers(snapshot, at, at, root=tmp_path)}
    assert {"docstring", "simplify", "rename-local"} <= offered
    assert ("to-async" in offered) == (language in ("python", "javascript", "typescript",
                                                    "typescriptreact", "rust"))  # fmt: skip
    assert ("annotate" in offered) == (language in ("python", "typescript", "typescriptreact"))
    assert ("tests" in offered) == (
        language in ("python", "javascript", "typescript", "typescriptreact", "go")
    )
    # the rename covers every use of the local in the function, found by the syntax tree
    doc = A.parse(snapshot)
    function = doc.enclosing(at, at, "function")
    assert function is not None and function.name == "work"
    assert len(doc.occurrences(function, local)) == 2


def test_nothing_outside_functions_and_classes(tmp_path):
    text = "import os\n\nLIMIT = 3\n"
    snapshot = snap(tmp_path, "m.py", text, "python")
    assert A.offers(snapshot, 0, 0) == [] and A.offers(snapshot, 12, 12) == []
    plain = DocumentSnapshot("untitled:1", 1, "plaintext", "hello", None)
    assert A.offers(plain, 0, 0) == []


SOURCE = """class Shop:
    def price(self, items):
        total = 0
        for item in items:
            total = total + item
        return total
"""


def run(tmp_path: Path, request: A.ActionRequest, answer: str, text: str = SOURCE):
    snapshot = snap(tmp_path, "shop.py", text, "python")
    doc = A.parse(snapshot)
    return A.apply_answer(doc, snapshot, request, answer, len(doc.errors()), tmp_path, None)


def method(text: str = SOURCE) -> A.ActionRequest:
    start = text.index("def price")
    return A.ActionRequest("simplify", start, text.index("return total") + 12, "price")


def test_rewrite_is_reindented_and_the_edit_is_minimal(tmp_path):
    answer = (
        "def price(self, items):\n    total = 0\n    for item in items:\n"
        "        total += item\n    return total\n```\nexplanation that is cut off"
    )
    result = run(tmp_path, method(), answer)
    (change,) = result.changes
    assert [e.text for e in change.edits] == ["            total += item\n"]
    assert change.new_text == SOURCE.replace("total = total + item", "total += item")
    assert apply_all(SOURCE, list(change.edits)) == change.new_text


def test_an_answer_that_does_not_parse_is_rejected(tmp_path):
    with pytest.raises(A.Rejected, match="does not parse: line 3"):
        run(tmp_path, method(), "def price(self, items):\n    return (total\n")


def test_an_answer_without_the_function_is_rejected(tmp_path):
    with pytest.raises(A.Rejected, match="no longer defines `price`"):
        run(tmp_path, method(), "x = 1\n")


def test_to_async_must_be_async(tmp_path):
    request = A.ActionRequest("to-async", method().start, method().end, "price")
    with pytest.raises(A.Rejected, match="still not async"):
        run(tmp_path, request, "def price(self, items):\n    return sum(items)\n")
    result = run(tmp_path, request, "async def price(self, items):\n    return sum(items)\n")
    assert "    async def price(self, items):\n        return sum(items)\n" in (
        result.changes[0].new_text
    )


def test_extract_function_needs_both_functions(tmp_path):
    start = SOURCE.index("for item")
    end = SOURCE.index("item\n", SOURCE.index("total = total")) + 4
    request = A.ActionRequest("extract-function", start, end, "price")
    with pytest.raises(A.Rejected, match="new function and the rewritten one"):
        run(tmp_path, request, "def price(self, items):\n    return sum(items)\n")
    answer = (
        "def _add_all(items, total):\n    for item in items:\n        total += item\n"
        "    return total\n\ndef price(self, items):\n    return _add_all(items, 0)\n"
    )
    result = run(tmp_path, request, answer)
    assert SyntaxDocument(result.changes[0].new_text, "python").errors() == []
    assert "    def _add_all(items, total):" in result.changes[0].new_text


def test_docstring_formats_and_escapes_the_text(tmp_path):
    request = A.ActionRequest("docstring", method().start, method().end, "price")
    answer = '"""Sum the prices.\n\nUses the "fast" path """ when it can.\\'
    result = run(tmp_path, request, answer)
    (edit,) = result.changes[0].edits
    assert edit.text.startswith('        """Sum the prices.\n\n        Uses the "fast" path')
    assert "'''" in edit.text  # the inner triple quote cannot end the docstring
    assert SyntaxDocument(result.changes[0].new_text, "python").errors() == []
    # an existing docstring is replaced, not duplicated
    again = run(tmp_path, request, "Total price.", result.changes[0].new_text)
    assert again.changes[0].new_text.count('"""') == 2
    assert '"""Total price."""' in again.changes[0].new_text
    with pytest.raises(A.Rejected, match="no docstring text"):
        run(tmp_path, request, "```\n```")


@pytest.mark.parametrize(
    ("language", "name", "text", "expected"),
    [
        ("javascript", "m.js", "function add(a, b) {\n  return a + b;\n}\n",
         "/**\n * Adds.\n */\nfunction add"),
        ("go", "m.go", "package m\n\nfunc Add(a, b int) int {\n\treturn a + b\n}\n",
         "// Add adds.\nfunc Add"),
        ("rust", "m.rs", "fn add(a: i32) -> i32 {\n    a\n}\n", "/// Adds.\nfn add"),
    ],
)  # fmt: skip
def test_doc_comments_in_each_language_style(tmp_path, language, name, text, expected):
    snapshot = snap(tmp_path, name, text, language)
    doc = A.parse(snapshot)
    (target,) = doc.definitions()
    request = A.ActionRequest("docstring", target.start, target.end, target.name)
    result = A.apply_answer(doc, snapshot, request, "Adds.", 0, tmp_path, None)
    assert expected in result.changes[0].new_text


def test_rename_rejects_collisions_keywords_and_non_names(tmp_path):
    at = SOURCE.index("total")
    request = A.ActionRequest("rename-local", at, at + 5, "total")
    for answer, why in [("item", "already used"), ("class", "reserved"), ("9x", "not a valid")]:
        with pytest.raises(A.Rejected, match=why):
            run(tmp_path, request, answer)
    result = run(tmp_path, request, "subtotal")
    assert result.changes[0].new_text == SOURCE.replace("total", "subtotal")
    assert result.summary == "renamed total -> subtotal (4 places)"


def test_tests_go_to_a_new_or_an_existing_test_file(tmp_path):
    (tmp_path / "tests").mkdir()
    request = A.ActionRequest("tests", method().start, method().end, "price")
    answer = (
        "```python\nfrom shop import Shop\n\n"
        "def test_price():\n    assert Shop().price([1, 2]) == 3\n```"
    )
    result = run(tmp_path, request, answer)
    (change,) = result.changes
    assert change.path == tmp_path / "tests" / "test_shop.py" and change.create
    assert change.new_text.startswith("from shop import Shop\n")
    change.path.write_text(change.new_text)
    again = run(tmp_path, request, "def test_empty():\n    assert Shop().price([]) == 0\n")
    (appended,) = again.changes
    assert not appended.create and appended.new_text.startswith(change.new_text)
    assert appended.edits[0].start == len(change.new_text)
    with pytest.raises(A.Rejected, match="does not parse"):
        run(tmp_path, request, "def test_broken(:\n")


def test_fix_is_offered_only_where_a_diagnostic_is(tmp_path):
    snapshot = snap(tmp_path, "shop.py", SOURCE, "python")
    at = SOURCE.index("total + item")
    problem = A.Diagnostic(at, at + 12, "Operator + not supported", "pyright")
    far = A.Diagnostic(0, 5, "class naming", "ruff")
    fixes = [o for o in A.offers(snapshot, at, at, diagnostics=(far, problem)) if o.fixes]
    assert len(fixes) == 1 and fixes[0].fixes == (1,)
    assert fixes[0].title == "radix-ls: Fix: Operator + not supported"
    assert (fixes[0].request.start, fixes[0].request.name) == (SOURCE.index("def price"), "price")


def test_batch_targets(tmp_path):
    text = SOURCE + '\n\ndef documented():\n    """Has one."""\n\n\nasync def fetch():\n    pass\n'
    doc = SyntaxDocument(text, "python")
    assert [t.name for t in A.batch_targets(doc, "docstring")] == ["Shop", "price", "fetch"]
    assert [t.name for t in A.batch_targets(doc, "to-async")] == ["price", "documented"]
    with pytest.raises(A.ActionFailed, match="needs a place chosen in an editor"):
        A.batch_targets(doc, "rename-local")


def test_action_data_round_trips_and_bad_data_is_refused():
    request = A.ActionRequest("fix", 1, 5, "f", "", (A.Diagnostic(1, 2, "m", "s", "c"),))
    assert A.ActionRequest.from_json(request.to_json()) == request
    for bad in [None, {"action": "nope"}, {"action": "fix", "start": 5, "end": 1}]:
        with pytest.raises(ValueError):
            A.ActionRequest.from_json(bad)


def test_prompt_window_is_anchored_and_always_holds_the_target():
    lines = [f"line {i}" for i in range(1000)]
    count = len  # a "token" per character
    assert A.window(lines, 10, 20, 10**6, count) == (0, 1000)
    lo, hi = A.window(lines, 450, 460, 2000, count)
    assert lo % 50 == 0 and hi % 50 == 0 and lo <= 450 and hi > 460
    # nearby targets share the window (and so the cached prompt prefix)
    assert A.window(lines, 455, 470, 2000, count) == (lo, hi)
    assert A.window(lines, 452, 458, 2000, count) == (lo, hi)
    # a target over the budget is still shown whole
    assert A.window(lines, 100, 900, 50, count) == (100, 901)
