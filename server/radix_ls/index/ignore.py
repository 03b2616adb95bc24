"""Which workspace paths the index leaves alone: .gitignore rules, user excludes, defaults.

`compile_rule` implements gitignore patterns as git documents them (gitignore(5)): blank
lines and `#` comments, `\\` escapes, `!` negation, a trailing `/` for directories only, a `/`
anywhere else anchors the pattern to the .gitignore's directory, `*` `?` `[...]` never match
`/`, and `**/` (any leading directories), `/**` (everything inside) and `/**/` (zero or more
directories). The last matching rule wins, rules of deeper .gitignore files come after those
of their parents, and nothing below an ignored directory can be re-included.

`WorkspaceIgnore` answers for one workspace, reading `.gitignore` files (and
`.git/info/exclude`) lazily per directory; the walker and the watcher share it. User
excludes and `DEFAULT_EXCLUDES` are gitignore patterns too, checked on their own so that no
`.gitignore` negation can bring an excluded path back.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from radix_ls.workspace.confine import ConfinementError, check_read

# Never worth indexing, whatever .gitignore says (VCS internals, dependency and cache dirs).
DEFAULT_EXCLUDES = (
    ".git/",
    ".hg/",
    ".svn/",
    ".jj/",
    "node_modules/",
    "__pycache__/",
    ".venv/",
    ".tox/",
    ".nox/",
    ".mypy_cache/",
    ".pytest_cache/",
    ".ruff_cache/",
)


@dataclass(frozen=True)
class IgnoreRule:
    """One compiled pattern of the .gitignore in directory `base` ("" = the root)."""

    base: str
    pattern: str  # as written (after trimming)
    negate: bool
    dir_only: bool
    regex: re.Pattern[str]  # matched against the path relative to `base`
    literal: str | None = None  # a plain name matching at any depth: compared, not matched


def _translate(body: str) -> str:
    """The regex for a gitignore glob (without anchoring)."""
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c == "*":
            if body.startswith("**", i):
                start_ok = i == 0 or body[i - 1] == "/"
                end = i + 2
                if start_ok and end == n:
                    out.append(".*")  # trailing `/**`: everything inside
                    i = end
                    continue
                if start_ok and end < n and body[end] == "/":
                    out.append("(?:.*/)?")  # `**/`: zero or more directories
                    i = end + 1
                    continue
                # any other `**` is an ordinary `*`
                while i < n and body[i] == "*":
                    i += 1
                out.append("[^/]*")
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = i + 1
            if j < n and body[j] in "!^":
                j += 1
            if j < n and body[j] == "]":
                j += 1
            while j < n and body[j] != "]":
                j += 1
            if j >= n:
                out.append(re.escape(c))  # no closing bracket: a literal `[`
            else:
                inner = body[i + 1 : j]
                negate = inner[:1] in ("!", "^")
                if negate:
                    inner = inner[1:]
                inner = inner.replace("\\", "\\\\").replace("[", "\\[")
                out.append(("[^/" if negate else "[") + inner + "]")
                i = j
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(body[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def compile_rule(line: str, base: str = "") -> IgnoreRule | None:
    """One .gitignore line as a rule, or None for blank lines and comments."""
    line = line.rstrip("\n").rstrip("\r")
    # trailing spaces are dropped unless escaped with a backslash
    stripped = line.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(line):
        stripped += " "
    line = stripped
    if not line or line.startswith("#"):
        return None
    negate = line.startswith("!")
    if negate or line.startswith("\\!") or line.startswith("\\#"):
        line = line[1:]
    dir_only = line.endswith("/") and not line.endswith("\\/")
    body = line.rstrip("/") if dir_only else line
    if not body:
        return None
    anchored = "/" in body
    body = body.lstrip("/")
    if not body:
        return None
    prefix = "" if anchored or body.startswith("**/") else "(?:.*/)?"
    regex = re.compile("^" + prefix + _translate(body) + "$", re.DOTALL)
    literal = None if anchored or any(c in body for c in "*?[\\") else body
    return IgnoreRule(base, line, negate, dir_only, regex, literal)


def parse_gitignore(text: str, base: str = "") -> list[IgnoreRule]:
    rules = []
    for line in text.splitlines():
        rule = compile_rule(line, base)
        if rule is not None:
            rules.append(rule)
    return rules


def match_rules(rules: Sequence[IgnoreRule], path: str, is_dir: bool) -> bool | None:
    """True (ignored) / False (re-included by a `!` rule) / None (no rule matches).

    `path` is workspace-relative with "/" separators; only rules whose base contains it apply.
    Parent directories are not consulted here (see `WorkspaceIgnore.is_ignored`).
    """
    name = path.rpartition("/")[2]
    for rule in reversed(rules):
        if rule.dir_only and not is_dir:
            continue
        if rule.base and not path.startswith(rule.base + "/"):
            continue
        if rule.literal is not None:
            if name != rule.literal:
                continue
        elif not rule.regex.match(path[len(rule.base) + 1 :] if rule.base else path):
            continue
        return not rule.negate
    return None


class WorkspaceIgnore:
    """Ignore decisions for one workspace root; thread-safe, caches per directory.

    `is_ignored(path, is_dir)` is the whole answer: excluded (defaults or user patterns), or
    ignored by the .gitignore rules of its directories, or below an ignored directory.
    Call `invalidate()` when a .gitignore file changes.
    """

    def __init__(
        self,
        root: Path,
        exclude: Iterable[str] = (),
        *,
        defaults: Iterable[str] = DEFAULT_EXCLUDES,
        read_gitignore: bool = True,
    ) -> None:
        self.root = root
        self._excludes = [r for p in (*defaults, *exclude) if (r := compile_rule(p)) is not None]
        self._read = read_gitignore
        self._lock = threading.Lock()
        self._dir_rules: dict[str, list[IgnoreRule]] = {}  # dir -> rules in effect inside it
        self._dir_ignored: dict[str, bool] = {}
        self._dir_excluded: dict[str, bool] = {}

    def invalidate(self) -> None:
        with self._lock:
            self._dir_rules.clear()
            self._dir_ignored.clear()

    def is_excluded(self, path: str, is_dir: bool = False) -> bool:
        """Excluded by the defaults or the user's patterns (the path itself or a parent)."""
        parent = path.rpartition("/")[0]
        if parent:
            known = self._dir_excluded.get(parent)
            if known is None:
                known = self._dir_excluded[parent] = self.is_excluded(parent, True)
            if known:
                return True
        return bool(match_rules(self._excludes, path, is_dir))

    def is_ignored(self, path: str, is_dir: bool = False) -> bool:
        if not path or path == ".":
            return False
        parent, _, _ = path.rpartition("/")
        if parent and self._is_dir_ignored(parent):
            return True
        if match_rules(self._excludes, path, is_dir):
            return True
        return bool(match_rules(self.rules_for(parent), path, is_dir))

    def _is_dir_ignored(self, directory: str) -> bool:
        known = self._dir_ignored.get(directory)
        if known is not None:
            return known
        result = self.is_ignored(directory, True)
        with self._lock:
            self._dir_ignored[directory] = result
        return result

    def rules_for(self, directory: str, *, has_gitignore: bool | None = None) -> list[IgnoreRule]:
        """The .gitignore rules in effect for entries of `directory` (root: "").

        `has_gitignore` saves a failing open when the caller has just listed the directory.
        """
        known = self._dir_rules.get(directory)
        if known is not None:
            return known
        if directory:
            parent, _, _ = directory.rpartition("/")
            inherited = self.rules_for(parent)
        else:
            inherited = self._root_rules()
        own = self._read_rules(directory) if has_gitignore is not False else []
        rules = inherited + own if own else inherited
        with self._lock:
            self._dir_rules[directory] = rules
        return rules

    def _root_rules(self) -> list[IgnoreRule]:
        if not self._read:
            return []
        # .git/info/exclude has the lowest precedence of the files we read
        exclude = self.root / ".git" / "info" / "exclude"
        try:
            exclude = check_read(exclude, self.root)  # `.git` or `info` may be a link out
            return parse_gitignore(exclude.read_text(encoding="utf-8", errors="replace"))
        except (OSError, ConfinementError):
            return []

    def _read_rules(self, directory: str) -> list[IgnoreRule]:
        if not self._read:
            return []
        path = self.root / directory / ".gitignore" if directory else self.root / ".gitignore"
        try:
            if path.is_symlink():  # git does not follow a symlinked .gitignore either
                return []
            # nor read one in a symlinked directory (a path from an event or an open file)
            text = check_read(path, self.root).read_text(encoding="utf-8", errors="replace")
        except (OSError, ConfinementError):
            return []
        return parse_gitignore(text, directory)


def walk(
    root: Path,
    ignore: WorkspaceIgnore,
    *,
    suffixes: frozenset[str] | None = None,
    start: str = "",
) -> list[str]:
    """Every non-ignored file under `root` (relative paths), without following directory
    symlinks; with `suffixes`, only files with those extensions (lower case, with the dot);
    with `start`, only below that directory (relative to `root`). Symlinked files are
    listed; the caller decides where they point."""
    out: list[str] = []
    base = os.fspath(root)
    excludes = ignore._excludes
    if start and ignore.is_ignored(start, True):
        return out
    stack = [start]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(os.path.join(base, directory) if directory else base) as entries:
                items = list(entries)
        except OSError:
            continue
        has_gitignore = any(entry.name == ".gitignore" for entry in items)
        rules = ignore.rules_for(directory, has_gitignore=has_gitignore)
        for entry in items:
            name = entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                if not is_dir and entry.is_symlink() and entry.is_dir():
                    continue  # a directory symlink: never followed
            except OSError:
                continue
            if not is_dir and suffixes is not None:
                dot = name.rfind(".")
                if dot <= 0 or name[dot:].lower() not in suffixes:
                    continue
            rel = f"{directory}/{name}" if directory else name
            if match_rules(excludes, rel, is_dir) or match_rules(rules, rel, is_dir):
                continue
            if is_dir:
                stack.append(rel)
            else:
                out.append(rel)
    out.sort()
    return out
