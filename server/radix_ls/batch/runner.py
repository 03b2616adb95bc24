"""`radix-ls batch`: run one code action on every matching place in a set of files.

Many requests are in flight at once (`concurrency`), so an engine that batches (SGLang)
serves them together; work is queued file by file, so consecutive prompts share a file's
prefix and hit the prefix cache. Every place in a file is computed against the file as it
is; the edits are merged (overlaps dropped and reported), the merged file must parse with no
new errors, and only then is it shown (`--diff`, the default: nothing is written) or written
(`--apply`: atomically, journalled, refusing files with uncommitted changes unless forced).

Only regular files inside the workspace are read or written (`workspace.confine`): a file
outside it or a symlink is refused before it is read, so none of it reaches the model; a
file changed on disk while the model ran is not overwritten (`batch.writes`). Every refusal
names the file and why, and counts as failed.
"""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from radix_ls.batch import writes as W
from radix_ls.batch.journal import Journal, WriteRefused, current_digest
from radix_ls.batch.progress import Progress
from radix_ls.config import Settings
from radix_ls.context.repo import RepoContext
from radix_ls.engine.base import Engine, EngineError
from radix_ls.engine.queue import Priority
from radix_ls.features import actions as A
from radix_ls.features import edits as E
from radix_ls.features.syntax import SyntaxDocument
from radix_ls.index import languages
from radix_ls.index.ignore import WorkspaceIgnore
from radix_ls.index.scan import list_files
from radix_ls.workspace.confine import ConfinementError, check_read, check_write
from radix_ls.workspace.documents import DocumentSnapshot, TextEdit
from radix_ls.workspace.files import SourceFileError, read_source


class BatchError(Exception):
    """The batch cannot start (bad paths, an action that needs an editor...)."""


@dataclass(frozen=True)
class BatchOptions:
    action: str
    paths: tuple[Path, ...]
    root: Path
    glob: str | None = None
    apply: bool = False
    force: bool = False
    concurrency: int = 4
    instruction: str = ""


@dataclass
class TargetOutcome:
    name: str
    line: int  # 1-based
    ok: bool
    message: str = ""
    attempts: int = 0
    seconds: float = 0.0
    completion_tokens: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0  # prompt tokens served from the engine's prefix cache


@dataclass
class FileOutcome:
    path: str  # relative to the root
    # changed | unchanged | failed | refused | finished-earlier | changed-since | unreadable
    status: str = "pending"
    message: str = ""
    targets: list[TargetOutcome] = field(default_factory=list)
    diff: str = ""
    new_text: str | None = None


@dataclass
class BatchReport:
    action: str
    mode: str
    files: list[FileOutcome]
    seconds: float = 0.0

    @property
    def targets(self) -> list[TargetOutcome]:
        return [t for f in self.files for t in f.targets]

    @property
    def failed(self) -> int:
        return sum(not t.ok for t in self.targets) + sum(
            f.status in ("failed", "unreadable", "refused") and not f.targets for f in self.files
        )

    def to_json(self) -> dict[str, object]:
        targets = self.targets
        return {
            "action": self.action,
            "mode": self.mode,
            "seconds": round(self.seconds, 3),
            "targets": len(targets),
            "succeeded": sum(t.ok for t in targets),
            "failed": self.failed,
            "targetsPerSecond": round(len(targets) / self.seconds, 3) if self.seconds else None,
            "files": [
                {
                    "path": f.path,
                    "status": f.status,
                    "message": f.message,
                    "targets": [t.__dict__ for t in f.targets],
                }
                for f in self.files
            ],
        }


# -- finding files ---------------------------------------------------------------------------


def find_files(options: BatchOptions) -> list[Path]:
    """The source files under the given paths (ignore rules apply inside directories; a file
    named explicitly is always taken, as named: a symlink stays one, and one outside the
    workspace is refused later with the reason), filtered by `glob`, sorted."""
    root = options.root
    ignore = WorkspaceIgnore(root)
    listed: list[str] | None = None
    found: set[Path] = set()
    for given in options.paths:
        if not given.exists():
            raise BatchError(f"{given}: no such file or directory")
        if given.is_file():
            found.add(W.real_path(given))
            continue
        path = given.resolve()
        if listed is None:
            listed, _how = list_files(root, ignore)
        try:
            prefix = path.relative_to(root).as_posix()
        except ValueError:
            raise BatchError(f"{given} is outside the workspace {root}") from None
        prefix = "" if prefix == "." else prefix + "/"
        found.update(root / rel for rel in listed if rel.startswith(prefix))
    out = []
    for path in sorted(found):
        rel = _rel(path, root)
        if languages.language_for_path(path.name) is None:
            continue
        if options.glob and not (
            fnmatch.fnmatch(rel, options.glob) or fnmatch.fnmatch(path.name, options.glob)
        ):
            continue
        out.append(path)
    return out


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return W.display(path, root)


# -- running ---------------------------------------------------------------------------------


async def run_batch(
    engine: Engine,
    settings: Settings,
    options: BatchOptions,
    *,
    repo: RepoContext | None = None,
    journal_dir: Path,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    on_file_done: Callable[[FileOutcome], None] | None = None,
) -> BatchReport:
    """Run the batch; prints diffs (or writes files), progress and a summary."""
    start = time.perf_counter()
    files = find_files(options)
    report = BatchReport(options.action, "apply" if options.apply else "diff", [])
    if not files:
        err.write("radix-ls: no source files matched\n")
        return report
    service = A.ActionService(engine, settings, repo, priority=Priority.BATCH)
    journal = _journal(journal_dir, options) if options.apply else None
    dirty: set[Path] | None = None  # None: forced (or showing a diff)
    if options.apply and not options.force:
        dirty = W.dirty_files(options.root)
        if dirty is None:
            raise BatchError(
                f"{options.root} is not in a git work tree, so --apply cannot tell edited "
                "files from committed ones; commit first, or pass --force"
            )
    writer = _Writer(journal, options.root, dirty, asyncio.Lock()) if journal else None
    progress = Progress(err, len(files))
    semaphore = asyncio.Semaphore(max(1, options.concurrency))
    outcomes = [FileOutcome(_rel(p, options.root)) for p in files]
    report.files = outcomes

    async def finish(
        path: Path, outcome: FileOutcome, prepared: tuple[str, SyntaxDocument, list[_Job]] | None
    ) -> None:
        if prepared is not None:
            await _finish_file(path, outcome, *prepared, progress, options.root, writer)
        progress.files_done += 1
        progress.draw() if progress.tty else progress.draw(f"{outcome.path} {outcome.status}")
        if on_file_done is not None:
            on_file_done(outcome)

    completed = False
    finishing: list[asyncio.Future[None]] = []
    try:
        # Files are prepared one after another, so their places queue file by file and
        # consecutive prompts share the file's text: the engine's prefix cache serves it.
        for path, outcome in zip(files, outcomes, strict=True):
            prepared = await _prepare_file(
                path, outcome, options, service, semaphore, progress, journal, dirty or set()
            )
            finishing.append(asyncio.ensure_future(finish(path, outcome, prepared)))
        await asyncio.gather(*finishing)
        completed = True
    finally:
        if not completed:
            for task in finishing:
                task.cancel()
        progress.finish()
        report.seconds = time.perf_counter() - start
        if journal is not None:
            # a complete, clean run needs no resuming; otherwise keep what was done
            journal.close(remove=completed and report.failed == 0)
    if not options.apply:
        for outcome in outcomes:
            if outcome.diff:
                out.write(outcome.diff)
        out.flush()
    _summary(report, err, options)
    return report


def _journal(directory: Path, options: BatchOptions) -> Journal:
    key = json.dumps(
        [str(options.root.resolve()), options.action, options.instruction, options.glob],
    )
    name = hashlib.sha256(key.encode()).hexdigest()[:16]
    return Journal(directory / f"{options.action}-{name}.jsonl")


_Job = asyncio.Future[tuple[TargetOutcome, "A.ActionResult | None"]]


async def _prepare_file(
    path: Path,
    outcome: FileOutcome,
    options: BatchOptions,
    service: A.ActionService,
    semaphore: asyncio.Semaphore,
    progress: Progress,
    journal: Journal | None,
    dirty: set[Path],
) -> tuple[str, SyntaxDocument, list[_Job]] | None:
    """Read and check one file and start its places' jobs (they queue on the semaphore in
    the order they are started: file by file). None: nothing to do in this file."""
    try:  # in both modes: what a diff shows is what --apply would write
        check_read(path, options.root)
        check_write(path, options.root)
    except ConfinementError as exc:
        outcome.status, outcome.message = "refused", str(exc).removeprefix(f"{path}: ")
        return None
    try:
        text = await asyncio.to_thread(read_source, path, service.settings.max_file_bytes)
    except SourceFileError as exc:
        outcome.status, outcome.message = "unreadable", str(exc)
        return None
    if journal is not None:
        state = journal.status(outcome.path, text, lambda rel: _digest_now(options.root / rel))
        if state == "finished":
            outcome.status = "finished-earlier"
            return None
        if state == "changed":
            outcome.status = "changed-since"
            outcome.message = "changed since an earlier run wrote it; left alone"
            return None
    if W.real_path(path) in dirty:  # both named by real_path
        outcome.status = "refused"
        outcome.message = "has uncommitted changes (commit or stash them, or pass --force)"
        return None
    snapshot = DocumentSnapshot(path.as_uri(), 0, languages.editor_language_id(path), text, path)
    doc = A.parse(snapshot)
    if doc is None:
        outcome.status = "unchanged"
        return None
    try:
        targets = A.batch_targets(doc, options.action)
    except A.ActionFailed as exc:
        raise BatchError(str(exc)) from None
    if options.instruction:
        targets = [
            A.ActionRequest(t.action, t.start, t.end, t.name, options.instruction) for t in targets
        ]
    progress.targets += len(targets)
    progress.draw()

    async def one(target: A.ActionRequest) -> tuple[TargetOutcome, A.ActionResult | None]:
        line = doc.line_of(target.start) + 1
        async with semaphore:
            began = time.perf_counter()
            try:
                result = await service.run(snapshot, target, root=options.root, doc=doc)
            except (A.ActionFailed, EngineError) as exc:
                done = TargetOutcome(target.name, line, False, str(exc))
                result = None
            else:
                done = TargetOutcome(
                    target.name,
                    line,
                    True,
                    result.summary,
                    result.attempts,
                    completion_tokens=sum(s.completion_tokens for s in result.stats),
                    prompt_tokens=sum(s.prompt_tokens for s in result.stats),
                    cached_tokens=sum(s.cached_tokens or 0 for s in result.stats),
                )
            done.seconds = round(time.perf_counter() - began, 3)
        progress.targets_done += 1
        progress.failed += not done.ok
        progress.draw()
        return done, result

    return text, doc, [asyncio.ensure_future(one(t)) for t in targets]


@dataclass(frozen=True)
class _Writer:
    """What `--apply` writes with: the journal, the workspace, the files with uncommitted
    changes (None: forced), and a lock so that one unit's checks and writes never
    interleave with another's (two sources may share a test file)."""

    journal: Journal
    root: Path
    dirty: set[Path] | None
    lock: asyncio.Lock


def _digest_now(path: Path) -> str:
    """A file's digest now, for the journal; a file that cannot be read matches nothing."""
    try:
        return current_digest(path)
    except WriteRefused:
        return "unreadable"


async def _finish_file(
    path: Path,
    outcome: FileOutcome,
    text: str,
    doc: SyntaxDocument,
    jobs: list[_Job],
    progress: Progress,
    root: Path,
    writer: _Writer | None,
) -> None:
    """Merge the file's edits (and those of other files, e.g. a test file), check the result
    parses, then show or write it."""
    results = await asyncio.gather(*jobs)
    edits: list[TextEdit] = []
    taken: list[tuple[int, int]] = []
    others: list[tuple[TargetOutcome, A.FileChange]] = []
    for done, result in results:
        outcome.targets.append(done)
        if result is None:
            continue
        mine = [e for c in result.changes if c.path == path for e in c.edits]
        if any(_overlaps(span, (e.start, e.end)) for span in taken for e in mine):
            _fail(progress, done, "overlaps another edit in this file; run again")
            continue
        taken.extend((e.start, e.end) for e in mine)
        edits.extend(mine)
        others.extend((done, c) for c in result.changes if c.path != path)
    writes, refused = W.merge_other_files(path, root, others)
    for done, why in refused.items():
        _fail(progress, done, why)
    new_text = E.apply_all(text, edits)
    errors = SyntaxDocument(new_text, doc.language).errors() if edits else []
    if len(errors) > len(doc.errors()):
        outcome.status = "failed"
        outcome.message = f"the combined edits do not parse ({errors[0].describe()})"
        for t in outcome.targets:
            t.ok = False
        return
    if new_text != text:
        writes.insert(0, W.Planned(path, outcome.path, text, new_text, create=False))
    if not writes:
        outcome.status = "failed" if any(not t.ok for t in outcome.targets) else "unchanged"
        return
    outcome.new_text = new_text
    outcome.diff = "".join(w.diff() for w in writes)
    outcome.status = "changed"
    if any(not t.ok for t in outcome.targets):
        outcome.message = "some places failed; the others were changed"
    if writer is not None:
        async with writer.lock:
            try:
                await asyncio.to_thread(W.commit_unit, writer.journal, root, outcome.path,
                                        text, writes, writer.dirty)  # fmt: skip
            except WriteRefused as exc:
                outcome.status = "refused"
                outcome.message = str(exc).removeprefix(f"{outcome.path}: ")
                for t in outcome.targets:
                    if t.ok:
                        _fail(progress, t, f"not written: {exc}")


def _fail(progress: Progress, target: TargetOutcome, why: str) -> None:
    target.ok, target.message = False, why
    progress.failed += 1


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two edits touch the same text (two insertions at one point count: their
    order would be a guess)."""
    return (b[0] < a[1] and a[0] < b[1]) or (a[0] == a[1] == b[0] == b[1])


def _summary(report: BatchReport, err: TextIO, options: BatchOptions) -> None:
    targets = report.targets
    ok = sum(t.ok for t in targets)
    by_status: dict[str, int] = {}
    for f in report.files:
        by_status[f.status] = by_status.get(f.status, 0) + 1
    files = ", ".join(f"{n} {status}" for status, n in sorted(by_status.items()))
    rate = f", {len(targets) / report.seconds:.2f} places/s" if report.seconds else ""
    verb = "written" if options.apply else "shown as a diff (nothing written)"
    err.write(
        f"radix-ls batch {report.action}: {len(targets)} places in {len(report.files)} files: "
        f"{ok} done, {report.failed} failed; files: {files}; changes {verb}; "
        f"{report.seconds:.1f} s{rate}\n"
    )
    for f in report.files:
        if f.message:
            err.write(f"  {f.path}: {f.status}: {f.message}\n")
        for t in f.targets:
            if not t.ok:
                err.write(f"  {f.path}:{t.line} {t.name}: {t.message}\n")
    err.flush()
