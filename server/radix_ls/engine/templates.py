"""Prompt templates per model family, all in one place.

A template turns the assembled context (repository name, related files, the current file's
prefix and suffix) into the model's prompt text. Order is most-stable-first so that the
engine's prefix cache serves most of every keystroke's prompt: repository preamble, related
files, then the current file up to the cursor, then the (short) suffix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

FIM_PREFIX = "<|fim_prefix|>"
FIM_SUFFIX = "<|fim_suffix|>"
FIM_MIDDLE = "<|fim_middle|>"
REPO_NAME = "<|repo_name|>"
FILE_SEP = "<|file_sep|>"

_LINE_COMMENT = {
    "python": "#",
    "shellscript": "#",
    "ruby": "#",
    "yaml": "#",
    "toml": "#",
    "lua": "--",
    "sql": "--",
    "haskell": "--",
}


@dataclass(frozen=True)
class PromptParts:
    repo_name: str
    path: str
    language_id: str
    prefix: str
    suffix: str
    # Related files (path, text), most stable first. Empty until the workspace index exists.
    files: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    uses_suffix: bool
    # Text stop sequences (special end tokens are stopped on by the engines themselves).
    stop: tuple[str, ...]

    def preamble(self, parts: PromptParts) -> str:
        """Everything before the current file's prefix (stable across keystrokes)."""
        if self.name == "qwen-fim":
            head = f"{REPO_NAME}{parts.repo_name}\n"
            for path, text in parts.files:
                head += f"{FILE_SEP}{path}\n{text}\n"
            return head + f"{FILE_SEP}{parts.path}\n{FIM_PREFIX}"
        comment = _LINE_COMMENT.get(parts.language_id, "//")
        head = ""
        for path, text in parts.files:
            head += f"{comment} Path: {path}\n{text}\n\n"
        return head + f"{comment} Path: {parts.path}\n"

    def render(self, parts: PromptParts) -> str:
        if self.name == "qwen-fim":
            return f"{self.preamble(parts)}{parts.prefix}{FIM_SUFFIX}{parts.suffix}{FIM_MIDDLE}"
        return self.preamble(parts) + parts.prefix


QWEN_FIM = PromptTemplate(
    "qwen-fim",
    uses_suffix=True,
    stop=(FILE_SEP, FIM_PREFIX, FIM_SUFFIX, FIM_MIDDLE, "<|endoftext|>", "<|im_end|>"),
)
PREFIX_ONLY = PromptTemplate("prefix", uses_suffix=False, stop=())
TEMPLATES = {t.name: t for t in (QWEN_FIM, PREFIX_ONLY)}


def choose_template(setting: str, has_token: Callable[[str], bool]) -> PromptTemplate:
    """The template for a `promptTemplate` setting; "auto" asks the model's vocabulary.

    `has_token(text) -> bool` tells whether the model has `text` as one special token.
    """
    if setting != "auto":
        return TEMPLATES[setting]
    if all(has_token(t) for t in (FIM_PREFIX, FIM_SUFFIX, FIM_MIDDLE)):
        return QWEN_FIM
    return PREFIX_ONLY
