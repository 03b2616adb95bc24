"""Imported names -> their definitions, through re-exports.

`resolve.py` takes an import to the workspace files it names; this module takes a name as a
file uses it to the definitions it stands for, asking the index for each file's definitions
and imports. The file an import resolves to often does not define the name itself:

- Python: `pkg/__init__.py` re-exports (`from ._api import get`, `from . import sub`,
  `from .x import *`), one or more hops; `import pkg` then `pkg.get(...)`; `import a.b as m`
  then `m.f`; `from pkg import sub` then `sub.f`;
- JavaScript/TypeScript: `index.ts` barrels (`export { x } from "./x"`, `export { x as y }`,
  `export * from "./x"`), `import * as ns` then `ns.f`;
- Rust: `pub use` (a `use` in the module file), `use crate::a;` then `a::f` (pass `a.f`);
- Go: `import "mod/pkg/util"` then `util.F`: a package is every file of its directory.

Names are dotted (`pkg.get`, `Client.send`, Rust `a::f` as `a.f`): after the part that names
a module, the rest is a definition's qualified name in the file that defines it. Hops are
bounded (`MAX_HOPS`) and cycles stop; nothing outside the index is read. Names kept from
an `__all__` list are not checked: every imported name counts as re-exported.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import Protocol

from radix_ls.index.languages import language_for_path
from radix_ls.index.model import Definition, Import

# Import hops followed from the file that uses a name (`pkg` -> `pkg/_api.py` -> ...).
MAX_HOPS = 6
# file stems that stand for their directory (`pkg/__init__.py` is the module `pkg`)
_PACKAGE_FILES = frozenset({"__init__", "mod", "index"})
_RUST_RELATIVE = frozenset({"crate", "self", "super"})


class DefinitionIndex(Protocol):
    """What following names needs from the index (`Indexer`, `RepoContext` answer it)."""

    def imports_of(self, path: str) -> Sequence[Import]: ...

    def definitions_named(self, name: str) -> Sequence[Definition]: ...


def imported_definitions(index: DefinitionIndex, path: str, name: str) -> list[Definition]:
    """The definitions that `name` (possibly dotted) as used in file `path` stands for
    through `path`'s imports, followed through re-exports; [] where no import binds it.

    A name `path` defines itself is not looked up (the caller has the file)."""
    return Follower(index).imported(path, name)


def exported_definitions(index: DefinitionIndex, path: str, name: str) -> list[Definition]:
    """The definitions of `name` (possibly dotted) as file `path` offers it to importers:
    defined there, or imported there from another file and so re-exported."""
    return Follower(index).exported(path, name)


def import_bindings(imp: Import, language: str | None) -> list[tuple[str, str]]:
    """The names an import binds in the importing file: (local name, name in the target),
    the second "" where the local name is the module itself. A local name may be dotted
    (Python `import a.b` binds the path `a.b`)."""
    if language == "go":  # the package under its own name, or the one given
        given = imp.names[0] if imp.names else ""
        if given in ("_", "."):
            return []
        return [(given or imp.module.rstrip("/").rpartition("/")[2], "")]
    aliased = dict(imp.aliases)
    renamed = set(aliased.values())
    bindings = list(aliased.items())
    bindings += [(n, n) for n in imp.names if n not in ("*", "self") and n not in renamed]
    if language == "python" and not imp.names and not aliased:
        bindings.append((imp.module, ""))  # `import a.b`: used as `a.b.x`
    return bindings


def is_star(imp: Import, language: str | None) -> bool:
    """Whether the import brings every name of its targets (`from x import *`, `use a::*`,
    `export * from "./x"`, Go `import . "x"`)."""
    if "*" in imp.names or (language == "go" and imp.names == (".",)):
        return True
    return imp.kind == "export" and not imp.names and not imp.aliases


def _names_module(target: str, imp: Import, name: str, language: str | None) -> bool:
    """Whether `name` imported by `imp` is the module `target` itself (`from pkg import sub`
    resolving to `pkg/sub.py`, Rust `use crate::a` to `a.rs`), not a name defined in it
    (`from pkg.log import log` resolving to `pkg/log.py`): the target is the submodule `name`
    of the import's module."""
    if language not in ("python", "rust"):
        return False  # JavaScript names never are modules; Go binds packages only
    parts = posixpath.splitext(target)[0].split("/")
    if parts[-1] in _PACKAGE_FILES:
        parts.pop()
    if not parts or parts[-1] != name:
        return False
    separator = "::" if language == "rust" else "."
    module = [p for p in imp.module.split(separator) if p and p not in _RUST_RELATIVE]
    return not module or parts[-1 - len(module) : -1] == module


class Follower:
    """Lookups that share the index's answers: one per request that looks up many names
    (the index must not change meanwhile). Each lookup ends on cycles by itself."""

    def __init__(self, index: DefinitionIndex) -> None:
        self.index = index
        self.seen: set[tuple[str, str]] = set()  # (file, name) visited by the current lookup
        self._imports: dict[str, Sequence[Import]] = {}
        self._named: dict[str, Sequence[Definition]] = {}

    def imported(self, path: str, name: str) -> list[Definition]:
        """As `imported_definitions`."""
        self.seen = set()
        return self.through_imports(path, name.split("."), 0)

    def exported(self, path: str, name: str) -> list[Definition]:
        """As `exported_definitions`."""
        self.seen = set()
        return self.in_file(path, name.split("."), 0)

    def _definitions(self, name: str) -> Sequence[Definition]:
        found = self._named.get(name)
        if found is None:
            found = self._named[name] = self.index.definitions_named(name)
        return found

    def _imports_of(self, path: str) -> Sequence[Import]:
        found = self._imports.get(path)
        if found is None:
            found = self._imports[path] = self.index.imports_of(path)
        return found

    def in_file(self, path: str, segments: list[str], hops: int) -> list[Definition]:
        """`segments` as file `path` offers them: its own definition, else re-exported."""
        qualified = ".".join(segments)
        if hops > MAX_HOPS or (path, qualified) in self.seen:
            return []
        self.seen.add((path, qualified))
        own = [
            d
            for d in self._definitions(segments[-1])
            if d.path == path and d.qualified_name == qualified
        ]
        return own or self.through_imports(path, segments, hops)

    def through_imports(self, path: str, segments: list[str], hops: int) -> list[Definition]:
        """`segments` used in file `path`, through each of its imports."""
        language = language_for_path(path)
        found: list[Definition] = []
        for imp in self._imports_of(path):
            for local, original in import_bindings(imp, language):
                parts = local.split(".")
                if segments[: len(parts)] != parts:
                    continue
                rest = segments[len(parts) :]
                for target in imp.resolved:
                    if not original or _names_module(target, imp, original, language):
                        if rest:  # the module itself has no definition to show
                            found += self.in_file(target, rest, hops + 1)
                    else:
                        found += self.in_file(target, [original, *rest], hops + 1)
            if is_star(imp, language):
                for target in imp.resolved:
                    found += self.in_file(target, segments, hops + 1)
        return list({(d.path, d.start_byte): d for d in found}.values())
