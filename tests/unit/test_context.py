"""Context v1: budgets, and prompts that stay cache-friendly while the user types."""

import itertools

from radix_ls.context.builder import LineTokenCounter, build, split_cursor
from radix_ls.engine.templates import NEAR_SUFFIX_TOKENS, PREFIX_ONLY, QWEN_FIM
from radix_ls.workspace.documents import DocumentSnapshot


def _words(text: str) -> int:
    # a stand-in tokenizer that is easy to reason about: one token per 4 characters
    return (len(text) + 3) // 4


def _build(
    text: str,
    offset: int,
    template=QWEN_FIM,
    context_tokens=400,
    suffix_tokens=40,
    layout="split",
):
    snap = DocumentSnapshot("file:///w/m.py", 1, "python", text)
    return build(
        snap,
        offset,
        template=template,
        context_tokens=context_tokens,
        suffix_tokens=suffix_tokens,
        count=LineTokenCounter(_words),
        path="pkg/m.py",
        repo_name="w",
        layout=layout,
    )


def _prefix(ctx):
    return next(s for s in ctx.segments if s.kind == "file-prefix")


def _source(lines: int) -> str:
    return "".join(f"def function_{i}(value):\n    return value * {i}\n" for i in range(lines))


def test_fim_layout_is_stable_first():
    text = "import os\n\nx = 1\n"
    ctx = _build(text, text.index("1"))
    assert ctx.prompt == (
        "<|repo_name|>w\n<|file_sep|>pkg/m.py\n<|fim_prefix|>import os\n\nx = "
        "<|fim_suffix|>1\n<|fim_middle|>"
    )


def test_prefix_template_has_no_suffix():
    text = "a = 1\nb = 2\n"
    ctx = _build(text, 6, template=PREFIX_ONLY)
    assert ctx.prompt == "# Path: pkg/m.py\na = 1\n"
    assert [s.kind for s in ctx.segments] == ["file-prefix"]


def test_budget_is_respected_on_long_files():
    text = _source(400)
    ctx = _build(text, len(text) // 2)
    assert _words(ctx.prompt) <= 400 + 10
    assert _prefix(ctx).start_line > 1


def test_prompts_share_their_beginning_while_typing():
    """Typing at the cursor must not move the prefix window (prefix caching)."""
    text = _source(400)
    offset = len(text) // 2
    prompts = []
    for typed in ["r", "re", "ret", "retu", "retur", "return"]:
        new_text = text[:offset] + typed + text[offset:]
        prompts.append(_build(new_text, offset + len(typed)).prompt)
    first = prompts[0]
    head = first[: first.index("<|fim_suffix|>") - 1]
    assert all(p.startswith(head) for p in prompts)


def test_window_moves_in_large_steps():
    """Moving the cursor 2,000 characters (~70 lines) shifts the window start a few times
    only, always to a line that is a multiple of a large step."""
    text = _source(400)
    starts = set()
    offsets = range(len(text) // 2, len(text) // 2 + 2000, 50)
    for offset in offsets:
        starts.add(_prefix(_build(text, offset, context_tokens=2000, suffix_tokens=100)).start_line)
    assert len(starts) <= 3
    assert all((start - 1) % 64 == 0 for start in starts)


def test_short_budgets_still_fill_most_of_the_window():
    text = _source(400)
    ctx = _build(text, len(text) // 2, context_tokens=400, suffix_tokens=40)
    prefix = _prefix(ctx)
    assert prefix.tokens >= 150  # half of what fits, at least
    assert (prefix.start_line - 1) % 8 == 0


def test_crlf_is_normalised_for_the_model():
    text = "a = 1\r\nb = 2\r\n"
    prefix, suffix, cursor = split_cursor(text, text.index("2"))
    assert prefix == "a = 1\nb = "
    assert suffix == "2\n"
    assert cursor.eol == "\r\n"
    assert cursor.line_prefix == "b = "


def test_psm_layout_puts_the_whole_suffix_window_after_the_prefix():
    text = _source(40)
    offset = text.index("return value * 20")
    ctx = _build(text, offset, layout="psm", suffix_tokens=60)
    assert [s.kind for s in ctx.segments] == ["file-prefix", "file-suffix"]
    after = ctx.prompt[ctx.prompt.index("<|fim_suffix|>") :]
    assert "def function_24" in after  # ~60 tokens of the text after the cursor


def test_split_layout_keeps_only_the_near_suffix_after_the_prefix():
    """The text after the cursor beyond a few lines moves before the prefix, as the file's
    text "after the cursor": typing never changes it, so the cache keeps it."""
    text = _source(40)
    offset = text.index("return value * 20")
    ctx = _build(text, offset, suffix_tokens=60)
    assert [s.kind for s in ctx.segments] == ["file-below", "file-prefix", "file-suffix"]
    near = ctx.prompt[ctx.prompt.index("<|fim_suffix|>") :]
    assert _words(near) <= NEAR_SUFFIX_TOKENS + 8
    below = ctx.prompt[: ctx.prompt.index("<|fim_prefix|>")]
    assert "<|file_sep|>pkg/m.py (after the cursor)\n" in below
    assert "def function_24" in below  # the same window, now before the prefix
    # the two parts together are the psm layout's suffix window
    psm = _build(text, offset, layout="psm", suffix_tokens=60)
    assert ctx.parts.suffix + ctx.parts.below == psm.parts.suffix.removesuffix("\n")


def test_split_layout_keystrokes_reevaluate_only_the_typed_text_and_the_near_suffix():
    text = _source(400)
    offset = text.index("return value * 200")
    typed = "result = compute(value)"
    previous = None
    for n in range(1, len(typed) + 1):
        new_text = text[:offset] + typed[:n] + text[offset:]
        prompt = _build(new_text, offset + n, context_tokens=1200, suffix_tokens=200).prompt
        if previous is not None:
            shared = 0
            while shared < min(len(prompt), len(previous)) and prompt[shared] == previous[shared]:
                shared += 1
            changed = prompt[shared:]
            assert _words(changed) <= 1 + _words(prompt[prompt.index("<|fim_suffix|>") :])
            assert _words(prompt[prompt.index("<|fim_suffix|>") :]) <= NEAR_SUFFIX_TOKENS + 8
        previous = prompt


def test_a_kept_window_start_stays_until_it_no_longer_fits_then_leaves_room():
    """Typing line after line at the end of a long prefix: with the start kept from prompt to
    prompt the window moves less often than when chosen afresh each time, and stays within
    the budget."""
    text = _source(400)
    offset = len(text) // 2

    def starts(keep: bool) -> list[int]:
        out, start = [], None
        for n in range(160):  # type 160 short lines
            typed = "value = compute(items, 42)  # typed\n" * n
            snap = DocumentSnapshot(
                "file:///w/m.py", 1, "python", text[:offset] + typed + text[offset:]
            )
            ctx = build(
                snap,
                offset + len(typed),
                template=QWEN_FIM,
                context_tokens=900,
                suffix_tokens=40,
                count=LineTokenCounter(_words),
                path="pkg/m.py",
                repo_name="w",
                window_start=start if keep else None,
            )
            start = _prefix(ctx).start_line - 1
            out.append(start)
            assert _words(ctx.prompt) <= 900 + 10
        return out

    fresh, kept = starts(False), starts(True)
    moves = lambda xs: sum(a != b for a, b in itertools.pairwise(xs))  # noqa: E731
    assert moves(fresh) >= 4
    assert moves(kept) < moves(fresh)
