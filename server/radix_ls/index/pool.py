"""Running worker tasks over many files: in a process pool on all cores, or in-process for few.

`run(tasks, workers=..., max_file_bytes=...)` yields `worker.process_batch` results batch by
batch. With many tasks, a feeder thread runs them in a `ProcessPoolExecutor` while the calling
thread works through batches itself until the pool's first result arrives (starting the
workers takes a while); from then on it only consumes the pool's results.

Processes: forkserver where there is one, so children fork from a clean single-threaded server
process, never from the (threaded) language server; spawn elsewhere. Every worker watches the
process that owns the pool and exits with it, however it ends (`worker.init_worker`): a
kill -9 of the CLI or the server leaves no worker, forkserver or resource tracker behind. Like every
`multiprocessing` user, the program's main module must be safe to import
(`if __name__ == "__main__":`), because the pool's server process imports it once.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import queue
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from radix_ls.index import worker
from radix_ls.index.records import Result, Task

log = logging.getLogger("radix_ls.index")

# Below this many files to read, work in-process: starting workers costs more.
POOL_MIN_FILES = 200
BATCH_FILES = 24  # files per task sent to a worker


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic GC while results stream in: they are hundreds of thousands of small tuples
    that reference counting frees, and collections would only walk them (about a quarter of
    the parent's time on a cold index). Process-wide, so only around the pool's results."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def start_server() -> None:
    """Start the forkserver process (if the pool uses one) ahead of the first pool."""
    if _pool_context().get_start_method() == "forkserver":
        try:
            from multiprocessing import forkserver

            forkserver.ensure_running()
        except (OSError, ValueError) as exc:  # the pool will try again and report
            log.debug("could not start the forkserver early: %s", exc)


def _pool_context() -> multiprocessing.context.BaseContext:
    # The server process imports the worker module once, so each child starts with it loaded.
    if sys.platform != "win32" and "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["__main__", "radix_ls.index.worker"])
        return context
    return multiprocessing.get_context("spawn")


def run(tasks: Sequence[Task], *, workers: int, max_file_bytes: int) -> Iterator[list[Result]]:
    """The workers' results for `tasks`, batch by batch (see the module docstring)."""
    if len(tasks) < POOL_MIN_FILES or workers <= 1:
        for start in range(0, len(tasks), BATCH_FILES):
            yield worker.process_batch(list(tasks[start : start + BATCH_FILES]), max_file_bytes)
        return
    n = max(1, -(-len(tasks) // BATCH_FILES))
    batches = deque(list(tasks[i::n]) for i in range(n))  # strided: similar sizes
    results: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
    feeder = threading.Thread(
        target=_feed,
        args=(batches, results, workers, max_file_bytes),
        name="radix-ls-index-pool",
        daemon=True,
    )
    feeder.start()
    begun = time.perf_counter()
    inline = 0  # batches this thread ran before the pool's first result
    try:
        started = False
        while True:
            if not started:
                try:
                    item = results.get_nowait()
                except queue.Empty:
                    try:
                        batch = batches.pop()  # the pool takes from the other end
                    except IndexError:
                        item = results.get()
                    else:
                        inline += 1
                        yield worker.process_batch(batch, max_file_bytes)
                        continue
                started = True
                log.debug(
                    "pool: first result after %.3f s (%d of %d batches run in-process meanwhile)",
                    time.perf_counter() - begun,
                    inline,
                    n,
                )
            else:
                item = results.get()
            kind, value = item
            if kind == "done":
                break
            if kind == "error":
                raise value
            yield value
    finally:
        batches.clear()  # if we stop early, so does the feeder
        feeder.join()


def _feed(
    batches: deque[list[Task]], results: queue.SimpleQueue, workers: int, max_file_bytes: int
) -> None:
    """Run `batches` in a process pool, putting ("result", ...), then ("done", None) or
    ("error", exception) into `results`."""
    try:
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=_pool_context(),
            initializer=worker.init_worker,
            initargs=(os.getpid(),),  # workers exit with this process (a kill -9 included)
        ) as pool:
            # a bounded number of batches in flight: results are handed over (and freed)
            # as they come, instead of all of them waiting in their futures
            running: set[Future[list[Result]]] = set()
            while True:
                while len(running) < 2 * workers + 2:
                    try:
                        batch = batches.popleft()
                    except IndexError:
                        break
                    running.add(pool.submit(worker.process_batch, batch, max_file_bytes))
                if not running:
                    break
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    results.put(("result", future.result()))
                del done
        results.put(("done", None))
    except BaseException as exc:  # handed to the consuming thread, which raises it
        results.put(("error", exc))
