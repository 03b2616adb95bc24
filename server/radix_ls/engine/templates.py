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
    # The "split" layout: the current file's text after the near suffix, placed before the
    # other files and the prefix (see LAYOUTS); "" in the "psm" layout.
    below: str = ""


FAMILIES = ("qwen", "gemma", "llama", "deepseek")

# Where the text after the cursor goes. While the user types, everything after the cursor stays
# the same and the prefix grows at its end, so whatever the prompt puts after the prefix is
# evaluated again on every keystroke.
# - "psm": prefix, then the whole suffix window (fill-in-the-middle as the models were trained:
#   Qwen2.5-Coder's `<|fim_prefix|>…<|fim_suffix|>…<|fim_middle|>`); each keystroke
#   re-evaluates the suffix window (~190 tokens by default).
# - "split": only a short suffix near the cursor (the rest of its line and a few lines, at most
#   NEAR_SUFFIX_TOKENS) stays after the prefix; the rest of the suffix window is shown before
#   the other files, as the current file's text "after the cursor", where it is stable while
#   typing. The models still see the same text, in PSM form for the part next to the cursor.
# Qwen3.6's own FIM format is unverified (no weights here): its default template is chat, and
# the layout is a setting (`promptLayout`), so either can be chosen and measured per model.
LAYOUTS = ("split", "psm")
DEFAULT_LAYOUT = "split"
NEAR_SUFFIX_TOKENS = 24


def family_of(name: str) -> str:
    """The model family named in a model name, path or GGUF architecture ("unknown" if none)."""
    lower = name.lower()
    return next((family for family in FAMILIES if family in lower), "unknown")


CURSOR = "<CURSOR>"
# Qwen3 chat format with thinking disabled: what the model's own chat template renders for
# `enable_thinking=False` (an empty think block), so non-Coder Qwen3.x models answer at once.
_CHAT_SYSTEM = (
    "You are a code completion engine inside an editor. The user shows a file with the "
    f"cursor marked {CURSOR}. Reply with exactly the code to insert at {CURSOR}: no "
    "explanation, no Markdown, do not repeat the code around the cursor."
)


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    uses_suffix: bool
    # Text stop sequences (special end tokens are stopped on by the engines themselves).
    stop: tuple[str, ...]
    # "fim" / "prefix": raw continuation; "chat": an instruction answered in chat format
    mode: str = "fim"

    def preamble(self, parts: PromptParts) -> str:
        """Everything before the current file's prefix (stable across keystrokes): the
        current file's text after the cursor ("split" layout), then the other files."""
        below = ((f"{parts.path} (after the cursor)", parts.below),) if parts.below else ()
        if self.name == "qwen-chat":
            head = f"<|im_start|>system\n{_CHAT_SYSTEM}<|im_end|>\n<|im_start|>user\n"
            for path, text in (*below, *parts.files):
                head += f"File {path}:\n```\n{text}\n```\n"
            return head + f"File {parts.path}:\n```\n"
        if self.name == "qwen-fim":
            head = f"{REPO_NAME}{parts.repo_name}\n"
            for path, text in (*below, *parts.files):
                head += f"{FILE_SEP}{path}\n{text}\n"
            return head + f"{FILE_SEP}{parts.path}\n{FIM_PREFIX}"
        comment = _LINE_COMMENT.get(parts.language_id, "//")
        head = ""
        for path, text in (*below, *parts.files):
            head += f"{comment} Path: {path}\n{text}\n\n"
        return head + f"{comment} Path: {parts.path}\n"

    def render(self, parts: PromptParts) -> str:
        if self.name == "qwen-chat":
            return (
                f"{self.preamble(parts)}{parts.prefix}{CURSOR}{parts.suffix}\n```\n"
                f"Write the code for {CURSOR}.<|im_end|>\n"
                "<|im_start|>assistant\n<think>\n\n</think>\n\n"
            )
        if self.name == "qwen-fim":
            return f"{self.preamble(parts)}{parts.prefix}{FIM_SUFFIX}{parts.suffix}{FIM_MIDDLE}"
        return self.preamble(parts) + parts.prefix


QWEN_FIM = PromptTemplate(
    "qwen-fim",
    uses_suffix=True,
    stop=(FILE_SEP, FIM_PREFIX, FIM_SUFFIX, FIM_MIDDLE, "<|endoftext|>", "<|im_end|>"),
)
QWEN_CHAT = PromptTemplate(
    "qwen-chat", uses_suffix=True, stop=("<|im_end|>", "<|endoftext|>", "\n```"), mode="chat"
)
PREFIX_ONLY = PromptTemplate("prefix", uses_suffix=False, stop=(), mode="prefix")
TEMPLATES = {t.name: t for t in (QWEN_FIM, QWEN_CHAT, PREFIX_ONLY)}


def choose_template(
    setting: str, model_name: str, has_token: Callable[[str], bool]
) -> PromptTemplate:
    """The template for a `promptTemplate` setting; "auto" picks the model family's default.

    - Qwen Coder models (and any model whose vocabulary has the FIM tokens, unless it is a
      general Qwen3.x model): raw fill-in-the-middle.
    - General (non-Coder) Qwen3.x models, e.g. Qwen3.6-35B-A3B: their FIM behaviour is
      undocumented and they tend to think aloud on raw FIM prompts, so chat-instruct mode.
    - Everything else: prefix-only continuation.
    `has_token(text)` tells whether the model has `text` as one special token (False where the
    engine has no tokenizer, e.g. remote).
    """
    if setting != "auto":
        return TEMPLATES[setting]
    name = model_name.lower().replace("_", "-").replace(" ", "-")
    is_qwen = "qwen" in name
    general_qwen3 = is_qwen and "qwen3" in name and "coder" not in name
    if general_qwen3:
        return QWEN_CHAT
    if (is_qwen and "coder" in name) or all(
        has_token(t) for t in (FIM_PREFIX, FIM_SUFFIX, FIM_MIDDLE)
    ):
        return QWEN_FIM
    return PREFIX_ONLY


@dataclass(frozen=True)
class InstructPrompt:
    """An instruction prompt in a model family's chat format, ready for the engine."""

    prompt: str
    stop: tuple[str, ...]


def instruct(family: str, system: str, user: str, answer_start: str = "") -> InstructPrompt:
    """An instruction (code actions) in the family's chat format. The answer is begun with
    `answer_start` (e.g. an opening code fence), so the model writes only what follows.

    Order is most-stable-first, as for completions: system text, then the user message (whose
    own order, repository context then file then task, is the caller's), then the answer.
    """
    if family == "qwen":
        # thinking disabled the way Qwen3's own template renders enable_thinking=False
        prompt = (
            f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n"
            f"<|im_start|>assistant\n<think>\n\n</think>\n\n{answer_start}"
        )
        return InstructPrompt(prompt, ("<|im_end|>", "<|endoftext|>"))
    if family == "gemma":
        # Gemma has no system role: its template puts the system text first in the user turn
        prompt = (
            f"<start_of_turn>user\n{system}\n\n{user}<end_of_turn>\n<start_of_turn>model\n"
            f"{answer_start}"
        )
        return InstructPrompt(prompt, ("<end_of_turn>",))
    if family == "llama":
        prompt = (
            f"<|start_header_id|>system<|end_header_id|>\n\n{system}<|eot_id|>"
            f"<|start_header_id|>user<|end_header_id|>\n\n{user}<|eot_id|>"
            f"<|start_header_id|>assistant<|end_header_id|>\n\n{answer_start}"
        )
        return InstructPrompt(prompt, ("<|eot_id|>",))
    return InstructPrompt(f"{system}\n\n{user}\n\nAnswer:\n{answer_start}", ())
