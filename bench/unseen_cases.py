"""Cases for `retrieval_unseen.py`: lines that use a name defined in another file, with the
kinds of issue 15, found by a resolver of its own.

The ground truth must not come from radix-ls' index (a retrieval that misses re-exports would
then never be asked about them), so this module resolves Python imports itself with `ast`:
every file gets its dotted module name (walking up while the folder has `__init__.py`, which
handles src/ and flat layouts alike), and a name used in a file is followed through `from X
import name [as alias]`, `from X import *` and `import pkg` + `pkg.name` (any number of hops)
to the module-level `def`, `class` or assignment that defines it.

A case is one line (chosen at random with a seed among all lines that use such a name), one of
the names it uses, and the definition's file and first line. Its kinds (a case may have
several):

- `annotation`: the use is in a signature (parameter or return annotation, a default) or a
  variable annotation, or the definition is a module-level assignment (alias, constant);
- `big_class`: the definition is a class whose body spans more than `BIG_CLASS_LINES` lines or
  has more than `BIG_CLASS_MEMBERS` members;
- `package`: the name is reached through a package: a module on the way re-exports it
  (`from .sub import name` in an `__init__.py`, one or more hops) or it is used as `pkg.name`
  where `pkg` is an imported package that does not define it itself;
- `cursor_line`: the name occurs nowhere in the 10 lines before and the 10 after the line;
- `other`: none of these.
"""

from __future__ import annotations

import ast
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

BIG_CLASS_LINES = 150
BIG_CLASS_MEMBERS = 15
NEAR_LINES = 10  # each side of the cursor line, for the cursor_line kind
KINDS = ("annotation", "big_class", "package", "cursor_line", "other")


@dataclass(frozen=True)
class Definition:
    path: str  # relative to the repository root, "/"-separated
    line: int  # 1-based: the `def`/`class` line (not its decorators) or the assignment's
    name: str
    kind: str  # "function" | "class" | "assignment"
    big: bool = False

    def header_pattern(self) -> re.Pattern[str]:
        """What the definition's first line says, whatever the prompt does to whitespace."""
        name = re.escape(self.name)
        if self.kind == "function":
            return re.compile(rf"\bdef\s+{name}\b")
        if self.kind == "class":
            return re.compile(rf"\bclass\s+{name}\b")
        return re.compile(rf"(?m)^\s*{name}\s*[:=]")


@dataclass(frozen=True)
class Case:
    repo: str
    path: str  # the file the line is in
    line: int  # 1-based
    name: str  # the needed name, as written on the line (an attribute for `pkg.name`)
    column: int  # 0-based character column of the name on the line
    target: Definition
    kinds: tuple[str, ...]

    def blanked(self, text: str) -> tuple[str, int, int]:
        """The text with the line emptied to its indentation, and the cursor (0-based line,
        character) there."""
        lines = text.split("\n")
        current = lines[self.line - 1]
        indent = current[: len(current) - len(current.lstrip())]
        lines[self.line - 1] = indent
        return "\n".join(lines), self.line - 1, len(indent)

    def typed(self, text: str, prefix: int = 3) -> tuple[str, int, int]:
        """The line typed up to and including the first `prefix` characters of the name
        (fewer for short names, so that the name is never complete), the rest of the line
        not yet there; the cursor at its end."""
        lines = text.split("\n")
        keep = self.column + max(1, min(prefix, len(self.name) - 1))
        lines[self.line - 1] = lines[self.line - 1][:keep]
        return "\n".join(lines), self.line - 1, keep


@dataclass
class Module:
    path: str
    name: str  # dotted
    is_package: bool  # an __init__.py
    text: str
    tree: ast.Module
    defined: dict[str, Definition] = field(default_factory=dict)
    # bound name -> (module, name in it); name None = the module itself
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    star: list[str] = field(default_factory=list)


def module_name(root: Path, rel: str) -> tuple[str, bool]:
    """The dotted name a file is imported as, and whether it is a package's __init__."""
    parts = rel[: -len(".py")].split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    depth = 1  # how many trailing parts belong to the module name
    while (
        depth < len(parts)
        and (root.joinpath(*parts[: len(parts) - depth]) / "__init__.py").is_file()
    ):
        depth += 1
    return ".".join(parts[len(parts) - depth :]), is_package


def _absolute(module: Module, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.name.split(".")
    if not module.is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, *([target] if target else [])])


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements run at import time: the body, and the bodies of if/try/with in it."""
    out: list[ast.stmt] = []
    for stmt in body:
        out.append(stmt)
        if isinstance(stmt, ast.If | ast.With):
            out += _top_level(stmt.body) + _top_level(getattr(stmt, "orelse", []))
        elif isinstance(stmt, ast.Try):
            out += _top_level(stmt.body) + _top_level(stmt.orelse)
            for handler in stmt.handlers:
                out += _top_level(handler.body)
    return out


def _definition(path: str, stmt: ast.stmt) -> list[Definition]:
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
        return [Definition(path, stmt.lineno, stmt.name, "function")]
    if isinstance(stmt, ast.ClassDef):
        members = sum(
            isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.Assign | ast.AnnAssign)
            for s in stmt.body
        )
        span = (stmt.end_lineno or stmt.lineno) - stmt.lineno + 1
        big = span > BIG_CLASS_LINES or members > BIG_CLASS_MEMBERS
        return [Definition(path, stmt.lineno, stmt.name, "class", big)]
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, ast.AnnAssign):
        targets = [stmt.target]
    elif type(stmt).__name__ == "TypeAlias":  # `type X = ...` (Python 3.12+)
        targets = [stmt.name]  # type: ignore[attr-defined]
    return [
        Definition(path, stmt.lineno, t.id, "assignment")
        for t in targets
        if isinstance(t, ast.Name)
    ]


def load_module(root: Path, rel: str) -> Module | None:
    try:
        text = (root / rel).read_text("utf-8")
        tree = ast.parse(text)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None
    name, is_package = module_name(root, rel)
    module = Module(rel, name, is_package, text, tree)
    for stmt in _top_level(tree.body):
        for d in _definition(rel, stmt):
            module.defined.setdefault(d.name, d)
    for node in ast.walk(tree):  # imports anywhere: a function-local import binds the name too
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    module.imports.setdefault(alias.asname, (alias.name, None))
                else:
                    head = alias.name.split(".")[0]
                    module.imports.setdefault(head, (head, None))
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node.level, node.module)
            for alias in node.names:
                if alias.name == "*":
                    module.star.append(source)
                else:
                    module.imports.setdefault(alias.asname or alias.name, (source, alias.name))
    return module


class Project:
    """The Python modules of one repository and a resolver from a use to its definition."""

    def __init__(self, root: Path, files: list[str]) -> None:
        self.root = root
        self.by_path: dict[str, Module] = {}
        self.by_name: dict[str, Module] = {}
        for rel in files:
            module = load_module(root, rel)
            if module is None:
                continue
            self.by_path[rel] = module
            # the shortest path wins a clash (src/pkg over docs/examples copies)
            known = self.by_name.get(module.name)
            if known is None or len(rel) < len(known.path):
                self.by_name[module.name] = module

    def resolve(self, module: str, name: str, depth: int = 0) -> tuple[Definition, bool] | None:
        """The definition `name` refers to in `module`, and whether a package re-exported it
        on the way; None for modules, outside names and cycles."""
        found = self.by_name.get(module)
        if found is None or depth > 12:
            return None
        bound = found.imports.get(name)
        if bound is not None and bound[1] is not None and bound[0] != module:
            hit = self.resolve(bound[0], bound[1], depth + 1)
            if hit is not None:
                return hit[0], hit[1] or found.is_package
        if name in found.defined:
            return found.defined[name], False
        for source in found.star:
            hit = self.resolve(source, name, depth + 1)
            if hit is not None:
                return hit[0], hit[1] or found.is_package
        return None

    def module_bound(self, module: Module, name: str) -> str | None:
        """The project module a name is bound to in `module` (`import pkg`, `from pkg import
        sub`), or None."""
        bound = module.imports.get(name)
        if bound is None:
            return None
        dotted = bound[0] if bound[1] is None else f"{bound[0]}.{bound[1]}"
        return dotted if dotted in self.by_name else None


@dataclass(frozen=True)
class Use:
    line: int
    column: int  # characters
    name: str
    target: Definition
    package: bool
    annotation: bool


def _signature_nodes(tree: ast.Module) -> set[int]:
    """ids of the nodes inside annotations, parameter defaults and return types."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            roots += [a.annotation for a in every if a is not None and a.annotation is not None]
            roots += [d for d in [*args.defaults, *args.kw_defaults] if d is not None]
            if node.returns is not None:
                roots.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
    return {id(n) for r in roots for n in ast.walk(r)}


def _char_column(line_text: str, byte_column: int) -> int:
    return len(line_text.encode("utf-8")[:byte_column].decode("utf-8", "replace"))


def uses_in(project: Project, module: Module) -> list[Use]:
    """Every use in `module` of a name defined in another file of the project."""
    signature = _signature_nodes(module.tree)
    import_lines = {
        line
        for node in ast.walk(module.tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)
    }
    lines = module.text.split("\n")
    found: list[Use] = []
    for node in ast.walk(module.tree):
        hit: tuple[Definition, bool] | None = None
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            bound = module.imports.get(node.id)
            if bound is None or bound[1] is None or node.id in module.defined:
                continue
            hit = project.resolve(bound[0], bound[1])
            name, line, column = node.id, node.lineno, node.col_offset
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            source = project.module_bound(module, node.value.id)
            if source is None or node.value.id in module.defined:
                continue
            hit = project.resolve(source, node.attr)
            if hit is not None:
                # `pkg.name`: through a package unless the package itself defines it
                owner = project.by_name[source]
                hit = (hit[0], hit[1] or (owner.is_package and hit[0].path != owner.path))
            name, line, column = node.attr, node.end_lineno or node.lineno, -1
        else:
            continue
        if hit is None or hit[0].path == module.path or line in import_lines:
            continue
        text = lines[line - 1]
        if column < 0:  # an attribute: it ends where the node ends
            column = _char_column(text, node.end_col_offset or 0) - len(name)
        else:
            column = _char_column(text, column)
        if text[column : column + len(name)] != name:
            continue  # odd spacing or line continuation: no clean cursor for it
        found.append(Use(line, column, name, hit[0], hit[1], id(node) in signature))
    return found


def kinds_of(use: Use, lines: list[str]) -> tuple[str, ...]:
    kinds = []
    if use.annotation or use.target.kind == "assignment":
        kinds.append("annotation")
    if use.target.big:
        kinds.append("big_class")
    if use.package:
        kinds.append("package")
    word = re.compile(rf"\b{re.escape(use.name)}\b")
    near = (
        lines[max(0, use.line - 1 - NEAR_LINES) : use.line - 1]
        + lines[use.line : use.line + NEAR_LINES]
    )
    if not any(word.search(text) for text in near):
        kinds.append("cursor_line")
    return tuple(kinds) or ("other",)


def choose_cases(repo: str, project: Project, samples: int, seed: int) -> list[Case]:
    """`samples` lines chosen at random (seeded) among all lines with a cross-file use; on
    each, one of its cross-file names (at random) is the one the case asks about."""
    rng = random.Random(f"{seed}:{repo}")
    by_line: dict[tuple[str, int], list[Use]] = {}
    for path in sorted(project.by_path):
        for use in uses_in(project, project.by_path[path]):
            by_line.setdefault((path, use.line), []).append(use)
    keys = sorted(by_line)
    rng.shuffle(keys)
    cases = []
    for path, line in keys[:samples]:
        options = sorted(by_line[(path, line)], key=lambda u: (u.column, u.name))
        use = rng.choice(options)
        lines = project.by_path[path].text.split("\n")
        cases.append(Case(repo, path, line, use.name, use.column, use.target, kinds_of(use, lines)))
    return cases
