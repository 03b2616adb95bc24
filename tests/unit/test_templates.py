"""Prompt templates per model family and the chat-mode answer clean-up."""

import pytest

from radix_ls.context.builder import CursorText
from radix_ls.engine.templates import (
    PREFIX_ONLY,
    QWEN_CHAT,
    QWEN_FIM,
    PromptParts,
    choose_template,
)
from radix_ls.features.postprocess import unwrap_chat


def _fim_vocab(text: str) -> bool:
    return text.startswith("<|fim_")


def _no_vocab(text: str) -> bool:
    return False


@pytest.mark.parametrize(
    ("model", "has_token", "expected"),
    [
        ("Qwen/Qwen3.6-35B-A3B", _fim_vocab, QWEN_CHAT),  # general Qwen3.x: chat-instruct
        ("Qwen3.6 35B A3B", _fim_vocab, QWEN_CHAT),  # GGUF general.name
        ("Qwen/Qwen2.5-Coder-7B", _no_vocab, QWEN_FIM),  # Coder: raw FIM
        ("Qwen/Qwen3-Coder-30B-A3B-Instruct", _no_vocab, QWEN_FIM),
        ("Hf", _fim_vocab, QWEN_FIM),  # unknown name, FIM tokens in the vocabulary
        ("Gemma 3 270m", _no_vocab, PREFIX_ONLY),
    ],
)
def test_auto_template_per_family(model, has_token, expected):
    assert choose_template("auto", model, has_token) is expected


def test_explicit_setting_wins():
    assert choose_template("prefix", "Qwen/Qwen3.6-35B-A3B", _fim_vocab) is PREFIX_ONLY


def test_chat_prompt_layout_is_stable_first_and_disables_thinking():
    parts = PromptParts("repo", "a.py", "python", "x = ", "\nprint(x)\n")
    prompt = QWEN_CHAT.render(parts)
    assert prompt.startswith("<|im_start|>system\n")
    assert prompt.index("File a.py:") < prompt.index("x = <CURSOR>")
    assert prompt.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert prompt.startswith(QWEN_CHAT.preamble(parts) + "x = ")


CURSOR = CursorText("    return 2 * math.", "", "", "\n")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("pi * self.radius", "pi * self.radius"),
        ("```python\npi * r\n```", "pi * r"),
        ("```python\npi * r\n```\nExplanation: ...", "pi * r"),
        ("return 2 * math.pi * r", "pi * r"),  # echo of the cursor line dropped
        ("return 2 * ma", ""),  # could still be an echo: nothing yet
        ("``", ""),  # could still be a fence
        ("pi<CURSOR>", "pi"),
    ],
)
def test_unwrap_chat(answer, expected):
    assert unwrap_chat(answer, CURSOR) == expected
