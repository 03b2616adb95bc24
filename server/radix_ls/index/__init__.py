"""The workspace index: tree-sitter extraction, import resolution, SQLite persistence.

Public API (everything in plain data, no tree-sitter or SQLite types):

- `Indexer(root, cache_dir, ...)`: `refresh()`, `index_files(paths)`, `closure(path, depth)`,
  and queries (`definitions_named`, `definitions_in`, `imports_of`, `chunks`, `files`,
  `skipped`, `stats`).
- `extract.extract(path, data, language) -> FileIndex`: one file, pure (the module, not
  re-exported here: `radix_ls.index.extract` stays the module).
- `IncrementalDocument(language, text)`: an open document re-parsed incrementally per edit.
- `Watcher(root, callback, ...)`: debounced file-system changes.
- `language_for_path(path)`: the index language of a file name (None: not indexed).

The modules, from a file's bytes to the database:

- `languages.py` the manifest (grammars/manifest.json) and each language's compiled query;
- `extract.py` one file -> definitions, imports, chunks; `incremental.py` the same for an
  open document, edit by edit; `model.py` the plain data both return;
- `scan.py` (with `ignore.py`) the workspace's source files and what to skip;
- `indexer.py` keeps the index in step with the disk: `worker.py` reads and extracts files,
  `pool.py` runs that on all cores, `records.py` names what they pass around;
- `resolve.py` import specifiers -> workspace files;
- `store.py` what is stored and the queries, on `db.py`'s SQLite database;
- `watcher.py` file-system events.

Module docstrings explain each piece. The names here are imported on first use: pool workers
import `radix_ls.index.worker`, and should not pay for the watcher, the SQLite store and the
rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from radix_ls.index.incremental import IncrementalDocument
    from radix_ls.index.indexer import Indexer
    from radix_ls.index.languages import language_for_path
    from radix_ls.index.model import (
        Chunk,
        Definition,
        FileIndex,
        Import,
        IndexProgress,
        IndexStats,
        IndexSummary,
    )
    from radix_ls.index.watcher import Watcher

_LAZY = {
    "Chunk": "model",
    "Definition": "model",
    "FileIndex": "model",
    "Import": "model",
    "IndexProgress": "model",
    "IndexStats": "model",
    "IndexSummary": "model",
    "IncrementalDocument": "incremental",
    "Indexer": "indexer",
    "Watcher": "watcher",
    "language_for_path": "languages",
}

__all__ = [
    "Chunk",
    "Definition",
    "FileIndex",
    "Import",
    "IncrementalDocument",
    "IndexProgress",
    "IndexStats",
    "IndexSummary",
    "Indexer",
    "Watcher",
    "language_for_path",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
