"""Reading, hashing and extracting files: the work a process-pool worker does.

Also used in-process for small batches (an open file's import closure, watcher events),
where starting processes would cost more than the work. A `records.Task` in, a
`records.Result` out: per-file NamedTuples holding plain-tuple rows, which pickle quickly and
go to SQLite as they are.
"""

from __future__ import annotations

import gc
import hashlib
import os
import select
import threading
import time

from radix_ls.index.extract import extract_record
from radix_ls.index.records import Indexed, Missing, Result, Skipped, Task, Unchanged
from radix_ls.index.scan import (
    SKIP_SYMLINK,
    SKIP_TOO_LARGE,
    SKIP_UNREADABLE,
    content_skip_reason,
    open_inside,
)
from radix_ls.workspace.confine import ConfinementError


def init_worker(owner: int | None = None) -> None:
    """Set up a pool worker; `owner`: the pid of the process whose pool it is."""
    # Extraction allocates many short-lived containers and no reference cycles: the cyclic
    # GC would only walk them over and over.
    gc.disable()
    if owner is not None:
        threading.Thread(
            target=_exit_with, args=(owner,), name="radix-ls-owner-watch", daemon=True
        ).start()


def _exit_with(owner: int) -> None:
    """Exit as soon as process `owner` does, however it ends (kill -9 included).

    A pool worker would otherwise outlive it: it waits on a call queue whose write end it
    holds itself, so it never sees end-of-file; the forkserver stays while any worker holds
    the owner's "alive" pipe, and the resource tracker while any of them holds its pipe. With
    the workers gone, both see end-of-file and exit too. The worker's parent is the forkserver,
    not the owner, and the forkserver was started by some thread of the owner, so neither
    os.getppid() nor PR_SET_PDEATHSIG (tied to the parent thread) says when the owner ends; a
    pidfd (Linux 5.3+) does, the moment it exits. Elsewhere: a poll every half second."""
    try:
        handle = os.pidfd_open(owner)  # Linux only: AttributeError elsewhere
    except ProcessLookupError:
        os._exit(1)  # already gone
    except (AttributeError, OSError):
        while True:
            time.sleep(0.5)
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # the pid now belongs to another user's process
                os._exit(1)
    select.select([handle], [], [])  # readable once the owner has exited
    os._exit(1)


def process_batch(tasks: list[Task], max_file_bytes: int) -> list[Result]:
    return [process(task, max_file_bytes) for task in tasks]


def process(task: Task, max_file_bytes: int) -> Result:
    """One file -> `Indexed`, `Skipped`, `Unchanged` (same content as indexed) or `Missing`."""
    fid, path, full, language, known_sha1 = task
    try:
        # the scan skipped links out of the workspace; this refuses one made since
        with open_inside(full, full[: len(full) - len(path)]) as handle:
            st = os.fstat(handle.fileno())
            if st.st_size > max_file_bytes:
                return Skipped(
                    fid, path, st.st_size, st.st_mtime_ns, None, language, SKIP_TOO_LARGE
                )
            data = handle.read()
    except ConfinementError:
        return Skipped(fid, path, 0, 0, None, language, SKIP_SYMLINK)
    except FileNotFoundError:
        return Missing(fid, path)
    except OSError:
        return Skipped(fid, path, 0, 0, None, language, SKIP_UNREADABLE)
    size, mtime = st.st_size, st.st_mtime_ns
    sha1 = hashlib.sha1(data).hexdigest()
    reason = content_skip_reason(data)
    if reason is not None:
        return Skipped(fid, path, size, mtime, sha1, language, reason)
    if sha1 == known_sha1:
        return Unchanged(fid, path, size, mtime)
    record = extract_record(data, language, chunk_text=False, row_prefix=(fid,))
    return Indexed(
        fid,
        path,
        size,
        mtime,
        sha1,
        language,
        record.line_count,
        record.has_errors,
        record.definitions,
        record.imports,
        record.chunks,
    )
