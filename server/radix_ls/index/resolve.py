"""Import resolution: an import specifier in file F -> the workspace files it refers to.

Per-language rules, each a best effort that never guesses outside the workspace:

- Python: relative `.x`/`..x` from F's package; absolute `a.b` under the source roots (the
  workspace root, `src/`, `lib/`, and the directory above F's top-level package):
  `a/b.py`, `a/b.pyi`, `a/b/__init__.py`. Imported names that are submodules
  (`from a import b` with `a/b.py`) resolve too.
- JavaScript/TypeScript: relative specifiers (`./x`, `../x`) with extension and
  `index.*` resolution (TypeScript's `./x.js` also finds `./x.ts`). Bare specifiers
  (packages) stay unresolved.
- Go: the module path from the nearest `go.mod` + the package directory -> every `.go` file
  in that directory except `_test.go` files.
- Rust: `crate::`, `self::`, `super::` and paths that start with a module declared in F's
  module, to the longest prefix that is a module file (`a/b.rs` or `a/b/mod.rs` under the
  crate's `src/`, the crate root for items at the top); `mod x;` -> `x.rs` or `x/mod.rs`.
- Java: the class file (`com/x/Y.java`, also for static imports and nested classes) or all
  files of a package for `.*`, under F's own source root and `src/main/java`, `src/test/java`,
  `src/`, the workspace root.
- C/C++: `#include "x.h"` relative to F, then the include directories: every ancestor of F
  and its `include/` (so `include/` and the workspace root); `<x.h>` the same without F's
  own directory. System headers stay unresolved.

Paths are workspace-relative POSIX strings. Which files exist comes from a `FileSet`: the
index's own file list (`PathSet`, what the index would include) or the disk (`DiskFileSet`).
Configuration files (`go.mod`, `Cargo.toml`) are always read from disk.
"""

from __future__ import annotations

import os
import posixpath
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from radix_ls.index.model import Import
from radix_ls.index.records import ImportRow
from radix_ls.workspace.confine import is_inside

_JS_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
# TypeScript's ESM style imports `./x.js` meaning `./x.ts`
_JS_SWAPS = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}
_PYTHON_ROOTS = ("", "src", "lib")
_JAVA_ROOTS = ("src/main/java", "src/test/java", "src", "")
_GO_MODULE = re.compile(r"^\s*module\s+(\S+)", re.MULTILINE)


class FileSet(Protocol):
    """Which workspace files exist (relative POSIX paths)."""

    def is_file(self, path: str) -> bool: ...

    def is_dir(self, path: str) -> bool:
        """A directory holding files (at any depth)."""
        ...

    def files_in(self, directory: str) -> list[str]:
        """Files directly in `directory` ("" = the root), as relative paths."""
        ...


class PathSet:
    """A FileSet over a known list of paths (the index's files)."""

    def __init__(self, paths: Iterable[str]) -> None:
        self._files = set(paths)
        self._dirs: dict[str, list[str]] | None = None
        self._all_dirs: set[str] | None = None
        self._lock = threading.Lock()

    def is_file(self, path: str) -> bool:
        return path in self._files

    def is_dir(self, path: str) -> bool:
        if self._all_dirs is None:
            found: set[str] = set()
            for file in self._files:
                directory = posixpath.dirname(file)
                while directory and directory not in found:
                    found.add(directory)
                    directory = posixpath.dirname(directory)
            self._all_dirs = found
        return path in self._all_dirs

    def files_in(self, directory: str) -> list[str]:
        if self._dirs is None:
            with self._lock:
                if self._dirs is None:
                    dirs: dict[str, list[str]] = {}
                    for path in self._files:
                        dirs.setdefault(posixpath.dirname(path), []).append(path)
                    self._dirs = dirs
        return sorted(self._dirs.get(directory, ()))

    def __len__(self) -> int:
        return len(self._files)

    def __iter__(self):  # noqa: ANN204
        return iter(self._files)


class DiskFileSet:
    """A FileSet that asks the file system (never outside `root`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def is_file(self, path: str) -> bool:
        return _inside(path) and os.path.isfile(self.root / path)

    def is_dir(self, path: str) -> bool:
        return _inside(path) and os.path.isdir(self.root / path)

    def files_in(self, directory: str) -> list[str]:
        if directory and not _inside(directory):
            return []
        try:
            with os.scandir(self.root / directory if directory else self.root) as entries:
                names = [e.name for e in entries if e.is_file()]
        except OSError:
            return []
        return sorted(f"{directory}/{n}" if directory else n for n in names)


def _inside(path: str) -> bool:
    return not (path == ".." or path.startswith("../") or path.startswith("/"))


def _norm(path: str) -> str | None:
    """Normalised relative path, or None when it leaves the workspace."""
    normal = posixpath.normpath(path) if path else ""
    if normal == ".":
        return ""
    return normal if _inside(normal) else None


class Resolver:
    """Resolves imports for one workspace; thread-safe, caches go.mod/Cargo.toml lookups."""

    def __init__(self, root: Path, files: FileSet | None = None) -> None:
        self.root = root
        self.files: FileSet = files if files is not None else DiskFileSet(root)
        self._config_cache: dict[tuple[str, str], object] = {}
        # Memos: many files import the same modules from the same directories. Plain dicts:
        # a race between threads can only compute an entry twice.
        self._memo: dict[tuple, tuple[str, ...]] = {}
        # (language, directory, module, names "\n"-joined, kind) -> targets "\n"-joined
        self._row_memo: dict[tuple[str, str, str, str, str], str] = {}
        self._modules: dict[str, str | None] = {}
        self._roots: dict[str, list[str]] = {}
        self._python_bases: dict[tuple[str, str], tuple[str, ...]] = {}

    def resolve(self, path: str, language: str, imp: Import) -> tuple[str, ...]:
        """Workspace files that `imp` in file `path` refers to; () when none (stdlib, packages)."""
        found = self._resolve_all(path, language, imp)
        return tuple(p for p in found if p != path) if path in found else found

    def _resolve_all(self, path: str, language: str, imp: Import) -> tuple[str, ...]:
        """As `resolve`, `path` itself included (memoised per directory, shared by its files)."""
        handler = _HANDLERS.get(language)
        if handler is None:
            return ()
        # everything but Rust depends on the importing file's directory only
        where = path if language == "rust" else posixpath.dirname(path)
        key = (language, where, imp.module, imp.names, imp.kind)
        found = self._memo.get(key)
        if found is None:
            try:
                found = tuple(dict.fromkeys(handler(self, path, imp)))
            except (OSError, ValueError):
                found = ()
            self._memo[key] = found
        return found

    def resolve_rows(self, path: str, language: str, rows: Iterable[ImportRow]) -> list[str]:
        """The targets ("\n"-joined) of each of a file's import rows as extracted.

        The indexer's bulk path: the memo is keyed on the row's own strings, so the many
        imports that repeat across the files of a directory cost one lookup each, without
        building an `Import` first."""
        handler = _HANDLERS.get(language)
        if handler is None:
            return ["" for _ in rows]
        where = path if language == "rust" else path.rpartition("/")[0]
        memo = self._row_memo
        out: list[str] = []
        for row in rows:
            module, names, line, kind = row[1:5]
            key = (language, where, module, names, kind)
            found = memo.get(key)
            if found is None:
                imp = Import(module, tuple(names.split("\n")) if names else (), line, kind)
                try:
                    targets = tuple(dict.fromkeys(handler(self, path, imp)))
                except (OSError, ValueError):
                    targets = ()
                found = memo[key] = "\n".join(targets)
            if path in found and path in found.split("\n"):  # a file never imports itself
                found = "\n".join(p for p in found.split("\n") if p != path)
            out.append(found)
        return out

    # -- helpers shared by the languages ---------------------------------------------------

    def _first(self, candidates: Iterable[str]) -> str | None:
        """The first candidate that is a file (candidates must be normalised paths)."""
        is_file = self.files.is_file
        for candidate in candidates:
            if is_file(candidate):
                return candidate
        return None

    def _config_dir(self, start: str, marker: str) -> str | None:
        """The nearest directory at or above `start` holding `marker` (on disk)."""
        key = (start, marker)
        if key in self._config_cache:
            return self._config_cache[key]  # type: ignore[return-value]
        directory: str | None = start
        found = None
        while directory is not None:
            config = self.root / directory / marker
            if os.path.isfile(config) and is_inside(config, self.root):  # never a link out
                found = directory
                break
            directory = posixpath.dirname(directory) if directory else None
        self._config_cache[key] = found
        return found

    def _go_module(self, directory: str) -> tuple[str, str] | None:
        """(module path, module dir) for the nearest go.mod."""
        mod_dir = self._config_dir(directory, "go.mod")
        if mod_dir is None:
            return None
        key = (mod_dir, "module")
        if key not in self._config_cache:
            text = (self.root / mod_dir / "go.mod").read_text(encoding="utf-8", errors="replace")
            match = _GO_MODULE.search(text)
            self._config_cache[key] = match.group(1).strip('"') if match else None
        module = self._config_cache[key]
        return (module, mod_dir) if isinstance(module, str) else None


# -- Python ---------------------------------------------------------------------------------


def _python_roots(resolver: Resolver, path: str) -> list[str]:
    start = path.rpartition("/")[0]
    roots = resolver._roots.get(start)
    if roots is None:
        # the directory above F's top-level package (the first one without __init__.py)
        directory = start
        while directory and resolver.files.is_file(f"{directory}/__init__.py"):
            directory = posixpath.dirname(directory)
        roots = [directory, *(r for r in _PYTHON_ROOTS if r != directory)]
        resolver._roots[start] = roots
    return roots


def _python_module(resolver: Resolver, base: str) -> str | None:
    """`base.py` or the package `base/__init__.py` (`base` "" is the root: no module)."""
    if not base:
        return None
    if base in resolver._modules:
        return resolver._modules[base]
    found = resolver._first(
        (f"{base}.py", f"{base}.pyi", f"{base}/__init__.py", f"{base}/__init__.pyi")
    )
    resolver._modules[base] = found
    return found


def _join(*parts: str) -> str:
    return "/".join([p for p in parts if p])


def _resolve_python(resolver: Resolver, path: str, imp: Import) -> list[str]:
    names = [n for n in imp.names if n != "*"]
    # where the module may be depends on F's directory and the module only: memoised, as the
    # files of a directory import the same modules with different names
    key = (path.rpartition("/")[0], imp.module)
    bases = resolver._python_bases.get(key)
    if bases is None:
        bases = resolver._python_bases[key] = _python_base_paths(resolver, path, imp.module)
    return _python_bases(resolver, bases, names)


def _python_base_paths(resolver: Resolver, path: str, module: str) -> tuple[str, ...]:
    dots = len(module) - len(module.lstrip("."))
    rest = module[dots:].replace(".", "/")
    if dots:
        package = posixpath.dirname(path)
        for _ in range(dots - 1):
            if not package:
                return ()  # above the workspace root
            package = posixpath.dirname(package)
        return (_join(package, rest),)
    return tuple(_join(root, rest) for root in _python_roots(resolver, path))


def _python_bases(resolver: Resolver, bases: tuple[str, ...], names: list[str]) -> list[str]:
    for base in bases:
        target = _python_module(resolver, base)
        # `from a import b`: b may be a submodule (then a/__init__.py is not the point);
        # only a directory can have submodules (a package, or a namespace package)
        found = []
        if names and resolver.files.is_dir(base):
            subs = (_python_module(resolver, f"{base}/{n.replace('.', '/')}") for n in names)
            found = [s for s in subs if s]
        if target and (not found or len(found) < len(names)):
            found.insert(0, target)
        if found:
            return found
    return []


# -- JavaScript / TypeScript ----------------------------------------------------------------


def _resolve_js(resolver: Resolver, path: str, imp: Import) -> list[str]:
    spec = imp.module.split("?", 1)[0]
    if not (spec in (".", "..") or spec.startswith("./") or spec.startswith("../")):
        return []
    base = _norm(posixpath.join(posixpath.dirname(path), spec))
    if base is None:
        return []
    candidates = [base]
    stem, ext = posixpath.splitext(base)
    candidates += [stem + swap for swap in _JS_SWAPS.get(ext, ())]
    candidates += [base + e for e in _JS_EXTENSIONS]
    candidates += [_join(base, "index" + e) for e in _JS_EXTENSIONS]
    found = resolver._first(candidates)
    return [found] if found else []


# -- Go -------------------------------------------------------------------------------------


def _resolve_go(resolver: Resolver, path: str, imp: Import) -> list[str]:
    found = resolver._go_module(posixpath.dirname(path))
    if found is None:
        return []
    module, mod_dir = found
    spec = imp.module
    if spec == module:
        package = mod_dir
    elif spec.startswith(module + "/"):
        package = _norm(_join(mod_dir, spec[len(module) + 1 :]))
        if package is None:
            return []
    else:
        return []
    return [
        f
        for f in resolver.files.files_in(package)
        if f.endswith(".go") and not f.endswith("_test.go")
    ]


# -- Rust -----------------------------------------------------------------------------------


def _rust_crate(resolver: Resolver, path: str) -> tuple[str, list[str], str] | None:
    """(crate src dir, F's module path, the dir where F's child modules live)."""
    crate = resolver._config_dir(posixpath.dirname(path), "Cargo.toml")
    if crate is None:
        return None
    src = _join(crate, "src")
    if not path.startswith(src + "/"):
        return None
    inner = path[len(src) + 1 :]
    parts = (inner[:-3] if inner.endswith(".rs") else inner).split("/")
    directory = posixpath.dirname(path)
    if parts in (["lib"], ["main"]) or (len(parts) == 2 and parts[0] == "bin"):
        return src, [], directory  # a crate root
    if parts[-1] == "mod":
        return src, parts[:-1], directory
    return src, parts, _join(directory, parts[-1])


def _rust_module_file(resolver: Resolver, src: str, module: list[str]) -> str | None:
    if not module:
        return resolver._first((f"{src}/lib.rs", f"{src}/main.rs"))
    base = _join(src, *module)
    return resolver._first((f"{base}.rs", f"{base}/mod.rs"))


def _resolve_rust(resolver: Resolver, path: str, imp: Import) -> list[str]:
    crate = _rust_crate(resolver, path)
    if imp.kind == "mod":
        child_dir = crate[2] if crate else posixpath.dirname(path)
        name = imp.module
        found = resolver._first((_join(child_dir, f"{name}.rs"), _join(child_dir, name, "mod.rs")))
        return [found] if found else []
    if crate is None:
        return []
    src, module, _ = crate
    segments = imp.module.split("::")
    head = segments[0]
    if head == "crate":
        base: list[str] = []
        segments = segments[1:]
    elif head in ("self", "super"):
        base = list(module)
        while segments and segments[0] in ("self", "super"):
            if segments[0] == "super":
                if not base:
                    return []
                base.pop()
            segments = segments[1:]
    elif _rust_module_file(resolver, src, [*module, head]):
        base = list(module)  # a module declared in F's module (`use net::Client;` in lib.rs)
    else:
        return []  # std, core, external crates
    found: list[str] = []
    names = [n for n in imp.names if n not in ("*", "self")] or [""]
    for name in names:
        full = [*base, *segments, *(s for s in name.split("::") if s)]
        for end in range(len(full), len(base) - 1, -1):  # down to the module itself
            target = _rust_module_file(resolver, src, full[:end])
            if target:
                found.append(target)
                break
    return found


# -- Java -----------------------------------------------------------------------------------


def _java_roots(path: str) -> list[str]:
    roots: list[str] = []
    directory = posixpath.dirname(path)
    while True:
        roots.append(directory)
        if not directory:
            break
        directory = posixpath.dirname(directory)
    roots.extend(r for r in _JAVA_ROOTS if r not in roots)
    return roots


def _resolve_java(resolver: Resolver, path: str, imp: Import) -> list[str]:
    parts = imp.module.split(".")
    roots = _java_roots(path)
    if "*" in imp.names:
        for root in roots:
            directory = _join(root, *parts)
            files = [f for f in resolver.files.files_in(directory) if f.endswith(".java")]
            if files:
                return files
        # `import static a.B.*` names a class, not a package
    for end in range(len(parts), 1, -1):
        rel = "/".join(parts[:end]) + ".java"
        found = resolver._first(_join(root, rel) for root in roots)
        if found:
            return [found]
    return []


# -- C / C++ --------------------------------------------------------------------------------


def _resolve_c(resolver: Resolver, path: str, imp: Import) -> list[str]:
    directory = posixpath.dirname(path)
    dirs: list[str] = [directory] if imp.kind != "system" else []
    ancestor = directory
    while True:
        dirs.append(ancestor)
        include = _join(ancestor, "include")
        if resolver.files.is_dir(include):
            dirs.append(include)
        if not ancestor:
            break
        ancestor = posixpath.dirname(ancestor)
    candidates = (_norm(_join(d, imp.module)) for d in dict.fromkeys(dirs))
    found = resolver._first(c for c in candidates if c is not None)
    return [found] if found else []


_HANDLERS = {
    "python": _resolve_python,
    "javascript": _resolve_js,
    "typescript": _resolve_js,
    "tsx": _resolve_js,
    "go": _resolve_go,
    "rust": _resolve_rust,
    "java": _resolve_java,
    "c": _resolve_c,
    "cpp": _resolve_c,
}
