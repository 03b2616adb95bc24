"""Retrieval on small fixture repositories indexed for real: what reaches the prompt."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from radix_ls.context.budget import Snippet
from radix_ls.context.repo import RepoContext
from radix_ls.context.retrieval import in_text, retrieve
from radix_ls.index.indexer import Indexer


def _words(text: str) -> int:
    # a stand-in tokenizer that is easy to reason about: one token per 4 characters
    return (len(text) + 3) // 4


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def _retrieve(tmp_path: Path, files: dict[str, str], path: str, marker: str, budget: int):
    """Snippets for a cursor on the line of `path` holding `marker` (that line blanked to its
    indentation, as a line about to be typed)."""
    root = tmp_path / "w"
    _write(root, files)
    text = (root / path).read_text()
    lines = text.split("\n")
    line = next(i for i, x in enumerate(lines, 1) if marker in x)
    current = lines[line - 1]
    lines[line - 1] = current[: len(current) - len(current.lstrip())]
    text = "\n".join(lines)
    with Indexer(root, tmp_path / "cache", workers=1) as indexer:
        indexer.refresh()
        repo = RepoContext(indexer)
        definitions = repo.definitions_of(path, text)
        return retrieve(
            path, text, definitions, line, repo, budget=budget, count=_words, window=(1, line)
        )


def _has(snippets: list[Snippet], path: str, text: str) -> bool:
    return any(s.path == path and text in s.text for s in snippets)


# Six helpers used near the cursor, each definition long enough that a few fill the budget.
_HELPERS = "".join(
    f"def helper_{i}(value):\n"
    + "".join(f"    value = value + {i} * {j}  # step {j} of helper {i}\n" for j in range(6))
    + "    return value\n\n\n"
    for i in range(6)
)
_CALLS = "".join(f"    total += helper_{i}(total)\n" for i in range(6))
_FILLER = "".join(f"    total = total + {j}\n" for j in range(45))  # the def line is far up


def _service(header: str) -> str:
    return (
        "from pkg.helpers import " + ", ".join(f"helper_{i}" for i in range(6)) + "\n"
        "from pkg.models import Report, Settings\n\n\n"
        f"{header}\n    total = 0\n{_FILLER}{_CALLS}\n    CURSOR_LINE\n    return total\n"
    )


_MODELS = '''\
class Report:
    """What a run produced: its total, when it ended and what it printed on the way."""

    def __init__(self, total, ended, output):
        self.total = total
        self.ended = ended
        self.output = output

    def summary(self):
        return f"{self.total} at {self.ended}: {len(self.output)} lines of output"


class Settings:
    """How a run is configured: how often it retries, how long it waits, where it logs."""

    retries = 3
    wait_seconds = 1.5
    log_file = "run.log"
    verbose = False
    dry_run = False
'''


def test_a_class_named_only_in_a_return_type_is_retrieved(tmp_path):
    """issue 15 item "signatures and annotations": the return type of the enclosing function
    counts as used, though its `def` line is far above the cursor."""
    files = {
        "pkg/__init__.py": "",
        "pkg/helpers.py": _HELPERS,
        "pkg/models.py": _MODELS,
        "pkg/service.py": _service("def run(count) -> Report:"),
    }
    snippets = _retrieve(tmp_path, files, "pkg/service.py", "CURSOR_LINE", budget=300)
    assert _has(snippets, "pkg/models.py", "class Report:")


def test_a_parameter_annotation_and_a_decorator_are_retrieved(tmp_path):
    """issue 15 item "signatures and annotations": parameter annotations and decorators of the
    enclosing function count as used."""
    files = {
        "pkg/__init__.py": "",
        "pkg/helpers.py": _HELPERS,
        "pkg/models.py": _MODELS,
        "pkg/deco.py": "def traced(function):\n    return function\n",
        "pkg/service.py": "from pkg.deco import traced\n"
        + _service("@traced\ndef run(count, settings: Settings):"),
    }
    snippets = _retrieve(tmp_path, files, "pkg/service.py", "CURSOR_LINE", budget=300)
    assert _has(snippets, "pkg/models.py", "class Settings:")
    assert _has(snippets, "pkg/deco.py", "def traced(function):")


_CLIENT = (
    'class Client:\n    """Talks to the server."""\n\n    timeout = 5\n\n'
    + "".join(
        f"    def call_{i}(self, request):\n"
        f"        response = self.send(request, {i})\n"
        f"        return response.json()[{i}]\n\n"
        for i in range(30)
    )
    + "    def fetch_page(self, url, page):\n        return self.call_3((url, page))\n"
)

_USER = """\
from pkg.client import Client


def crawl(urls):
    client = Client()
    for url in urls:
        client.fetch_page(url, 1)
        CURSOR_LINE
    return client
"""


def test_a_big_class_gives_its_header_and_the_members_used_nearby(tmp_path):
    """issue 15 item "big classes": a class bigger than a snippet may be is shown as its header
    and the members used near the cursor, within the snippet's share of a small budget."""
    files = {"pkg/__init__.py": "", "pkg/client.py": _CLIENT, "pkg/user.py": _USER}
    snippets = _retrieve(tmp_path, files, "pkg/user.py", "CURSOR_LINE", budget=400)
    client = [s for s in snippets if s.path == "pkg/client.py"]
    assert len(client) == 1
    view = client[0]
    assert view.text.startswith('class Client:\n    """Talks to the server."""')
    assert "    def fetch_page(self, url, page):\n        return self.call_3(" in view.text
    assert "    ..." in view.text  # the members left out are marked
    assert view.tokens <= 400 * 0.4  # MAX_SNIPPET_SHARE
    assert view.start_line == 1


def test_a_small_class_is_shown_whole(tmp_path):
    files = {"pkg/__init__.py": "", "pkg/models.py": _MODELS, "pkg/user.py": (
        "from pkg.models import Report\n\n\ndef f():\n    r = Report(1)\n    CURSOR_LINE\n"
    )}  # fmt: skip
    snippets = _retrieve(tmp_path, files, "pkg/user.py", "CURSOR_LINE", budget=1000)
    report = next(s for s in snippets if s.path == "pkg/models.py")
    assert report.text.startswith("class Report:") and "self.total = total" in report.text
    assert "..." not in report.text


_FORMATS = '''\
def parse_duration(text):
    """Seconds in a duration like "1h30m"."""
    return 0.0


def render_table(rows):
    """The rows as an aligned text table."""
    return ""


def render_tree(node):
    return ""


def make_a(x):
    return x


def make_b(x):
    return x


def make_c(x):
    return x


def make_d(x):
    return x
'''
_TYPING = """\
from pkg.formats import parse_duration


def report(rows):
    width = len(rows)
    CURSOR_LINE
"""


def _typed(tmp_path: Path, line_prefix: str, budget: int = 400) -> list[Snippet]:
    root = tmp_path / "w"
    _write(root, {"pkg/__init__.py": "", "pkg/formats.py": _FORMATS, "pkg/use.py": _TYPING})
    text = _TYPING.replace("    CURSOR_LINE", line_prefix)
    line = text.split("\n").index(line_prefix) + 1
    with Indexer(root, tmp_path / "cache", workers=1) as indexer:
        indexer.refresh()
        repo = RepoContext(indexer)
        repo.rebuild_similar()
        definitions = repo.definitions_of("pkg/use.py", text)
        return repo.typed(
            "pkg/use.py", text, definitions, line, line_prefix, budget=budget, count=_words
        )


def test_a_partially_typed_name_brings_its_definition(tmp_path):
    """issue 15 item "partial identifiers": the identifier being typed is matched by prefix
    against the index's names (imported ones first), so its definition arrives while typed."""
    imported = _typed(tmp_path / "a", "    seconds = pars")
    assert [(s.path, s.start_line, s.reason) for s in imported] == [
        ("pkg/formats.py", 1, "typing pars: parse_duration")
    ]
    # not imported: the workspace's names, when the prefix narrows them to a few
    table = _typed(tmp_path / "b", "    out = render_ta")
    assert [s.reason for s in table] == ["typing render_ta: render_table"]
    assert "def render_table(rows):" in table[0].text
    both = _typed(tmp_path / "c", "    out = rend")
    assert sorted(s.reason for s in both) == [
        "typing rend: render_table",
        "typing rend: render_tree",
    ]


def test_a_partial_name_waits_until_it_means_something(tmp_path):
    """issue 15 item "partial identifiers": short, ambiguous, attribute or already-near
    prefixes add nothing (each addition costs the re-evaluation of the file's text)."""
    assert _typed(tmp_path / "a", "    x = re") == []  # too short
    assert _typed(tmp_path / "b", "    x = make_") == []  # four names: too many
    assert _typed(tmp_path / "c", "    x = rows.rend") == []  # an attribute
    assert _typed(tmp_path / "d", "    x = wid") == []  # `width`, used just above


def test_names_complete_on_the_cursor_line_count(tmp_path):
    """issue 15: the imported names on the line being typed are retrieved (before, only the
    lines around it counted)."""
    snippets = _typed(tmp_path, "    seconds = parse_duration(rows[0]) + ")
    assert [s.reason for s in snippets] == ["imported parse_duration"]


def test_names_imported_through_a_package_but_used_far_away_bring_their_first_lines(tmp_path):
    """issue 15 kinds "package" and "cursor line": a name the file imports through a
    re-exporting package but uses nowhere near the cursor still brings its definition (the
    signature first: at most ELSEWHERE_CAP tokens each, so that many fit), as does a
    `pkg.name` used elsewhere in the file."""
    body = "".join(f"    step_{j} = {j}  # a line of the long body\n" for j in range(60))
    files = {
        "pkg/__init__.py": (
            "from ._impl import far_helper, near_helper\nfrom .tools import dotted_tool\n"
        ),
        "pkg/_impl.py": (
            "def far_helper(value, scale=2):\n" + body + "    return value\n\n\n"
            "def near_helper(value):\n    return value\n"
        ),
        "pkg/tools.py": "def dotted_tool(x):\n    return x\n",
        "app.py": (
            "import pkg\nfrom pkg import far_helper, near_helper\n\n\n"
            "def first():\n    return pkg.dotted_tool(1)\n\n\n"
            + "".join(f"# filler line {j}\n" for j in range(80))
            + "def run(x):\n    y = near_helper(x)\n    CURSOR_LINE\n    return y\n"
        ),
    }
    snippets = _retrieve(tmp_path, files, "app.py", "CURSOR_LINE", 2048)
    far = [s for s in snippets if s.path == "pkg/_impl.py" and "far_helper" in s.text]
    assert far and far[0].text.startswith("def far_helper(value, scale=2):")
    assert far[0].tokens <= 96 < _words(files["pkg/_impl.py"])
    assert _has(snippets, "pkg/tools.py", "def dotted_tool(x):")


def test_every_name_used_nearby_gets_its_header_before_any_gets_its_body(tmp_path):
    """Breadth first: at a budget where the six helpers' bodies do not all fit, every helper
    used near the cursor still has its `def` line in the prompt, and the nearest uses get
    their whole bodies with what is left."""
    files = {
        "pkg/__init__.py": "",
        "pkg/helpers.py": _HELPERS,
        "pkg/models.py": _MODELS,
        "pkg/service.py": _service("def run(count):"),
    }
    whole = _words(_HELPERS) // 6  # one helper's definition
    snippets = _retrieve(tmp_path, files, "pkg/service.py", "CURSOR_LINE", budget=4 * whole)
    for i in range(6):
        assert _has(snippets, "pkg/helpers.py", f"def helper_{i}(value):"), i
    bodies = [s for s in snippets if "return value" in s.text]
    assert bodies and "def helper_5(value):" in bodies[0].text  # the nearest use: whole
    assert sum(s.tokens for s in snippets) <= 4 * whole


def test_a_name_imported_but_not_used_yet_comes_before_names_used_far_away(tmp_path):
    """A name the file imports and uses nowhere else is what the code being written is
    likely to use: at a small budget its first lines come before those of names that are
    only used far from the cursor."""
    far = "".join(f"    first_{j} = helper_{j}(0)\n" for j in range(5))
    files = {
        "pkg/__init__.py": "",
        "pkg/helpers.py": _HELPERS,
        "app.py": (
            "from pkg.helpers import helper_0, helper_1, helper_2, helper_3, helper_4\n"
            "from pkg.helpers import helper_5\n\n\n"
            f"def setup():\n{far}\n\n"
            + "".join(f"# filler line {j}\n" for j in range(60))
            + "def run(x):\n    y = x + 1\n    CURSOR_LINE\n    return y\n"
        ),
    }
    snippets = _retrieve(tmp_path, files, "app.py", "CURSOR_LINE", budget=60)
    assert _has(snippets, "pkg/helpers.py", "def helper_5(value):")
    assert not _has(snippets, "pkg/helpers.py", "def helper_0(value):")


def test_definitions_in_other_test_modules_are_not_matched_by_name(tmp_path):
    """A test function's name used near the cursor does not bring another test module's
    function of the same name (test modules are not imported: the match is a coincidence),
    while a library function matched the same way still comes."""
    files = {
        "pkg/__init__.py": "",
        "pkg/util.py": "def checksum(data):\n    return sum(data) % 255\n",
        "tests/test_other.py": "def hello_world(request):\n    return 'other test'\n",
        "tests/test_app.py": (
            "def hello_world(request):\n    return checksum(request)\n\n\n"
            + "".join(f"# filler line {j}\n" for j in range(60))
            + "def test_it():\n    app = hello_world\n    CURSOR_LINE\n"
        ),
    }
    snippets = _retrieve(tmp_path, files, "tests/test_app.py", "CURSOR_LINE", budget=400)
    assert not any(s.path == "tests/test_other.py" for s in snippets)
    files["tests/test_app.py"] = files["tests/test_app.py"].replace(
        "app = hello_world", "app = checksum(b'x')"
    )
    snippets = _retrieve(tmp_path / "b", files, "tests/test_app.py", "CURSOR_LINE", budget=400)
    assert _has(snippets, "pkg/util.py", "def checksum(data):")


def test_a_word_typed_in_a_string_or_a_comment_is_not_looked_up(tmp_path):
    """`get("rend` is a string being typed, not the start of `render_table`: looking it up
    would append a definition, and re-evaluate the file's text, for nothing."""
    assert _typed(tmp_path / "a", '    out = rows.get("render_ta') == []
    assert _typed(tmp_path / "b", "    out = 1  # then render_ta") == []
    assert [s.reason for s in _typed(tmp_path / "c", '    out = f("x", render_ta')] == [
        "typing render_ta: render_table"
    ]


@pytest.mark.parametrize(
    ("line_prefix", "language", "text"),
    [
        ('    x = get("head', "python", True),
        ("    x = 1  # then rend", "python", True),
        ("    x = a // rend", "python", False),  # floor division, not a comment
        ('    x = f"{rend', "python", False),  # an f-string's braces are code
        ('    x = rf"{rend', "python", False),
        ('    x = f"{{rend', "python", True),  # a literal brace
        ('    x = f"{a} rend', "python", True),
        ('    x = "{rend', "python", True),  # not an f-string
        ('    x = "a\\"b + rend', "python", True),  # an escaped quote does not close it
        ("const a = `${rend", "javascript", False),
        ("const a = `a {rend", "javascript", True),
        ("let a = b // rend", "javascript", True),
        ("fn f<'a>(rend", "rust", False),  # a lifetime, not a quote
    ],
)
def test_in_text_tells_strings_and_comments_from_code(line_prefix, language, text):
    assert in_text(line_prefix, language) is text
