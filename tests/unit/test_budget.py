"""The prompt budget sized to the engine (issue 15, "budget sized to the engine")."""

from __future__ import annotations

import pytest

from radix_ls.config import ENGINE_CONTEXT_TOKENS, Settings, context_tokens_for, resolve


@pytest.mark.parametrize(
    ("raw", "engine", "window", "expected"),
    [
        ({}, "llamacpp", 4096, 1536),  # the embedded CPU engine keeps today's budget
        ({}, "sglang", 262144, 8192),  # GPU with a prefix cache: much more context
        ({}, "remote", None, 4096),  # unknown server: a middle size
        ({}, "sglang", 4096, 4096 - 96),  # bounded by the window less the answer
        ({}, "llamacpp", 1024, 1024 - 96),
        ({"contextTokens": 3000}, "sglang", 262144, 3000),  # set explicitly: kept
        ({"contextTokens": 100000}, "remote", None, 100000),  # no known window: as asked
        ({"contextTokens": 20000, "maxTokens": 200}, "sglang", 16384, 16384 - 200),
    ],
)
def test_per_engine_defaults_bounded_by_the_window(raw, engine, window, expected):
    """issue 15: per-engine contextTokens defaults, applied when the user sets none."""
    settings = resolve(raw).settings
    assert context_tokens_for(settings, engine, window) == expected


def test_defaults_follow_the_engine_table():
    assert Settings().context_tokens == 0  # "sized to the engine"
    assert ENGINE_CONTEXT_TOKENS["llamacpp"] < ENGINE_CONTEXT_TOKENS["remote"]
    assert ENGINE_CONTEXT_TOKENS["remote"] < ENGINE_CONTEXT_TOKENS["sglang"]


def test_large_budgets_are_valid_settings_beyond_llamacpps_window():
    """issue 15: a 16k budget for SGLang is not refused because of llama.cpp's nCtx."""
    resolved = resolve({"engine": "sglang", "contextTokens": 16384})
    assert resolved.errors == ()
    assert resolved.settings.context_tokens == 16384
    auto = resolve({"contextTokens": 16384})  # "auto" may be SGLang: checked once loaded
    assert auto.errors == ()


def test_explicit_llamacpp_budget_must_fit_nctx_and_tiny_budgets_are_refused():
    resolved = resolve({"engine": "llamacpp", "contextTokens": 8000})
    assert any("nCtx" in e for e in resolved.errors)
    assert resolved.settings.context_tokens == 0  # back to the engine's default
    tiny = resolve({"contextTokens": 10})
    assert any("at least 64" in e for e in tiny.errors)
    assert tiny.settings.context_tokens == 0


def test_llamacpp_reports_its_window_and_what_the_model_was_trained_for(tiny_model):
    from radix_ls.engine.llamacpp import LlamaCppEngine

    engine = LlamaCppEngine.load(tiny_model, n_ctx=2048, vocab_only=True)
    assert engine.context_window == 2048
    assert engine.trained_context == 4096  # the fixture's qwen3moe.context_length


def test_what_a_small_file_leaves_of_its_share_goes_to_other_files() -> None:
    """issue 15 (8,192 tokens): a file far smaller than its share of the budget leaves the rest
    to other files' code, in SPARE_STEP steps so that the retrieval budget does not change at
    every keystroke while the file grows."""
    from radix_ls.context.builder import Segment
    from radix_ls.features.completion import SPARE_MARGIN, SPARE_STEP, _spare

    def windows(tokens: int) -> tuple[Segment, ...]:
        return (
            Segment("file-prefix", "a.py", 1, 40, tokens - 20),
            Segment("file-suffix", "a.py", 40, 41, 20),
        )

    assert _spare(5325, windows(300)) == (5325 - 300 - SPARE_MARGIN) // SPARE_STEP * SPARE_STEP
    assert _spare(5325, windows(300)) == 4864
    assert _spare(5325, windows(300)) == _spare(5325, windows(320))  # typing: same budget
    assert _spare(5325, windows(440)) == 4864 - SPARE_STEP  # a step at a time
    assert _spare(998, windows(900)) == 0  # a file that fills its share leaves nothing
