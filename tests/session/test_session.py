"""The session layer without any LSP: the real tiny model on llama.cpp, a real workspace index.

What the language server and the CLI share is tested here once: one parse per document
version reused by completion context and code actions, events (progress and messages) for
long work, cancellation by an edit, stale answers dropped, settings reloads.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest

from radix_ls.config import resolve
from radix_ls.context import repo as repo_module
from radix_ls.features import syntax
from radix_ls.session import Session, SessionError
from radix_ls.workspace.documents import DocumentSnapshot, TextEdit

HELPER = '''"""Helpers."""


def area(width: float, height: float) -> float:
    return width * height
'''

MAIN = """from pkg.helper import area


def total(shapes):
    result = 0
    for w, h in shapes:
        result += area(w, h)
    return result
"""


class Recorder:
    """Records what a session tells its front end (the Events protocol, implemented plainly)."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []
        self.progress: list[tuple[str, str]] = []

    def show(self, level: str, message: str) -> None:
        self.shown.append((level, message))

    async def begin(self, title: str, *, percentage: bool = False, cancel=None):
        recorder = self
        recorder.progress.append(("begin", title))

        class _Progress:
            def report(self, message: str, percentage: int | None = None) -> None:
                recorder.progress.append(("report", message))

            def end(self) -> None:
                recorder.progress.append(("end", title))

        return _Progress()


def _workspace(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "helper.py").write_text(HELPER)
    (tmp_path / "main.py").write_text(MAIN)
    return tmp_path


def _settings(tiny_model: Path, **extra: object):
    resolved = resolve({"engine": "llamacpp", "model": str(tiny_model), **extra})
    assert not resolved.errors
    return resolved.settings


def _open(session: Session, path: Path) -> DocumentSnapshot:
    snapshot = DocumentSnapshot(path.as_uri(), 1, "python", path.read_text(), path)
    return session.open_document(snapshot)


@pytest.fixture
async def session(tmp_path, tiny_model):
    root = _workspace(tmp_path)
    events = Recorder()
    session = Session(root, _settings(tiny_model), events)
    await session.load_engine()
    await session.open_index()
    yield session
    await session.close()


async def test_one_parse_per_version_shared_by_context_and_actions(session, monkeypatch):
    extracted: list[str] = []
    real_extract = repo_module.extract

    def counting_extract(path, *args, **kwargs):
        extracted.append(path)
        return real_extract(path, *args, **kwargs)

    monkeypatch.setattr(repo_module, "extract", counting_extract)
    main = session.root / "main.py"
    snapshot = _open(session, main)
    assert session.documents.parses == 1
    assert snapshot.tree is not None
    # type two characters, one didChange each: one incremental parse per version
    at = snapshot.text.index("    return result")
    for version, char in ((2, "#"), (3, "!")):
        snapshot = session.edit_document(snapshot.uri, version, [TextEdit(at, at, char)])
        at += 1
    assert session.documents.parses == 3
    tree = snapshot.tree
    assert tree is not None and tree.root_node.text.decode() == snapshot.text

    parses_before = syntax.SyntaxDocument.parses
    result = await session.complete(snapshot, at)
    assert result is not None
    # retrieval read the open document's outline, not a parse of its text
    assert "main.py" not in extracted
    name = snapshot.text.index("total")
    offers = session.offers(snapshot, name, name)
    assert any(o.request.action == "docstring" for o in offers)
    assert parses_before == syntax.SyntaxDocument.parses
    assert session.documents.parses == 3
    assert session.documents.find(snapshot.uri).tree is tree


async def test_an_edit_cancels_the_running_completion(session):
    snapshot = _open(session, session.root / "main.py")
    at = snapshot.text.index("    return result")
    job = asyncio.ensure_future(session.complete(snapshot, at))
    await asyncio.sleep(0)  # let it start
    session.edit_document(snapshot.uri, 2, [TextEdit(at, at, "x")])
    assert await job is None
    assert session.engine.active_generations == 0


async def test_stale_answers_are_dropped(session):
    snapshot = _open(session, session.root / "main.py")
    at = snapshot.text.index("    return result")
    # the document moves on while the old snapshot's answer is computed
    session.documents.edit(snapshot.uri, 2, [TextEdit(0, 0, "#\n")])
    assert await session.complete(snapshot, at) is None
    current = session.documents.get(snapshot.uri)
    assert await session.complete(current, at + 2) is not None


async def test_long_work_reports_progress_through_events(tmp_path, tiny_model):
    events = Recorder()
    session = Session(_workspace(tmp_path), _settings(tiny_model), events)
    try:
        await session.load_engine()
        await session.open_index()
    finally:
        await session.close()
    titles = [title for what, title in events.progress if what == "begin"]
    assert titles == ["radix-ls: loading model", "radix-ls: indexing"]
    ends = [title for what, title in events.progress if what == "end"]
    assert ends == titles
    assert any(what == "report" and "with llama.cpp" in m for what, m in events.progress)


async def test_engine_failure_is_an_error_state_and_a_message(tmp_path):
    events = Recorder()
    missing = tmp_path / "missing.gguf"
    session = Session(tmp_path, _settings(missing), events)
    session.start()
    for _ in range(200):
        if session.engine_host.status.state == "error":
            break
        await asyncio.sleep(0.05)
    await session.close()
    assert events.shown and events.shown[0][0] == "error"
    assert "missing.gguf" in events.shown[0][1]
    snapshot = session.open_file(tmp_path / "x.py", "x = 1\n")
    with pytest.raises(SessionError, match="model is not ready"):
        from radix_ls.features.actions import ActionRequest

        await session.run_action(snapshot, ActionRequest("docstring", 0, 5), "docstring")


async def test_settings_change_reloads_only_what_it_affects(session, tiny_model):
    session.engine_host.start(session.settings)  # as the server does: a background load
    for _ in range(200):
        if session.engine is not None:
            break
        await asyncio.sleep(0.05)
    engine = session.engine
    assert engine is not None
    # a completion setting: same engine, new services
    errors = session.apply_settings(
        {"engine": "llamacpp", "model": str(tiny_model), "maxTokens": 7}
    )
    assert errors == []
    assert session.engine is engine
    assert session.completions is not None and session.completions.settings.max_tokens == 7
    # an invalid value is reported and replaced by its default
    errors = session.apply_settings(
        {"engine": "llamacpp", "model": str(tiny_model), "maxTokens": -1}
    )
    assert errors and session.events.shown[-1][0] == "warning"


def _library(name: str) -> str:
    lines = "\n".join(f"    step_{i} = value * {i} + offset_{name}" for i in range(6))
    header = f'offset_{name} = 1\n\n\ndef {name}(value):\n    """Scale {name}."""\n'
    return f"{header}{lines}\n    return step_5\n"


async def test_snippets_keep_their_order_while_a_function_is_typed(tmp_path, tiny_model):
    """Other files' code chosen for a region stays in place, in order, while the function is
    typed; a definition a new line needs is appended after it (not sorted in between). Twenty
    imported modules: more than the budget holds even as their first lines; the one a later
    line uses is imported first, farthest from the cursor (names not used yet are chosen
    nearest import first)."""
    (tmp_path / ".git").mkdir()
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    names = [f"lib{i}" for i in range(20) if i != 9]
    for name in names:
        (pkg / f"m_{name}.py").write_text(_library(name))
    (pkg / "a_lib9.py").write_text(_library("lib9"))  # sorts before the others
    head = "from pkg.a_lib9 import lib9\n"
    head += "".join(f"from pkg.m_{n} import {n}\n" for n in names) + "\n\n"
    # the imports far above the function being typed, as in most real files
    head += "def filler():\n" + "".join(f"    x{i} = {i}\n" for i in range(50)) + "\n\n"
    body = "def work(items):\n    total = lib0(items)\n    more = lib9(total)\n    return more\n"
    main = tmp_path / "main.py"
    main.write_text(head)
    settings = _settings(tiny_model, contextTokens=600, repoContextShare=0.3)
    session = Session(tmp_path, settings, Recorder())
    await session.load_engine()
    await session.open_index()
    try:
        snapshot = _open(session, main)
        service = session.completions
        lists = []
        for n in range(1, len(body) + 1):
            at = len(head) + n - 1
            snapshot = session.edit_document(snapshot.uri, n + 1, [TextEdit(at, at, body[n - 1])])
            plan = service.plan(snapshot, at + 1, session.root)
            lists.append(
                [
                    (s.kind, s.path, s.start_line)
                    for s in plan.context.segments
                    if not s.kind.startswith("file-")
                ]
            )
    finally:
        await session.close()
    assert lists[0], "nothing was retrieved"
    for earlier, later in itertools.pairwise(lists):
        assert later[: len(earlier)] == earlier  # only ever appended to
    needed = ("definition", "pkg/a_lib9.py", 4)
    assert needed not in lists[0]  # not among the first choice: lib9 is used later
    assert needed in lists[-1]  # the line using lib9 got its definition, appended


async def test_a_request_for_a_longer_prefix_joins_the_running_generation(tmp_path, tiny_model):
    """A request whose prefix only extends a running generation's (the user typed at its
    cursor; the editor cancelled and asked again) waits for it and answers with the rest of
    its answer: no second model call."""
    root = _workspace(tmp_path)
    session = Session(root, _settings(tiny_model, maxTokens=400, maxLines=200), Recorder())
    await session.load_engine()
    try:
        main = root / "main.py"
        snapshot = _open(session, main)
        at = snapshot.text.index("    return result")
        expected = await session.complete(snapshot, at)  # the greedy answer here
        assert expected is not None and expected.text, "the tiny model gave no answer here"
        session.close_document(snapshot.uri)  # opened again: no suggestion remembered
        snapshot = _open(session, main)
        first = asyncio.ensure_future(session.complete(snapshot, at))
        await asyncio.sleep(0)  # its first step registers the generation
        assert snapshot.uri in session.typing.running
        typed = expected.text[0]
        edited = session.edit_document(snapshot.uri, 2, [TextEdit(at, at, typed)])
        joined = await session.complete(edited, at + 1)
        stale = await first  # the document moved on: no answer for the first request
    finally:
        await session.close()
    answer = session.typing.suggestions.get(snapshot.uri)
    assert session.counters["joined"] == 1
    assert session.counters["modelCalls"] == 2  # the first answer's and the joined one's
    assert stale is None
    assert joined is not None and answer is not None
    assert joined.text == answer.text[1:] and joined.stats.finish_reason == "joined"


async def test_no_cross_file_context_when_its_share_is_0(tmp_path, tiny_model):
    """`repoContextShare` 0 turns cross-file context off, also for a small file whose share of
    the budget is mostly unused (that rest goes to other files only when the share is > 0)."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "m_lib0.py").write_text(_library("lib0"))
    main = tmp_path / "main.py"
    main.write_text("from pkg.m_lib0 import lib0\n\n\ndef work(items):\n    return lib0(items)\n")
    plans = {}
    for share in (0.0, 0.3):
        session = Session(
            tmp_path, _settings(tiny_model, contextTokens=1200, repoContextShare=share)
        )
        await session.load_engine()
        await session.open_index()
        try:
            snapshot = _open(session, main)
            plan = session.completions.plan(snapshot, len(snapshot.text), session.root)
            plans[share] = [s for s in plan.context.segments if not s.kind.startswith("file-")]
        finally:
            await session.close()
    assert plans[0.0] == []
    assert any(s.path == "pkg/m_lib0.py" for s in plans[0.3])
