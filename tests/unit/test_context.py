"""Context v1: budgets, and prompts that stay cache-friendly while the user types."""

from radix_ls.context.builder import LineTokenCounter, build, split_cursor
from radix_ls.engine.templates import PREFIX_ONLY, QWEN_FIM
from radix_ls.workspace.documents import DocumentSnapshot


def _words(text: str) -> int:
    # a stand-in tokenizer that is easy to reason about: one token per 4 characters
    return (len(text) + 3) // 4


def _build(text: str, offset: int, template=QWEN_FIM, context_tokens=400, suffix_tokens=40):
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
    )


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
    assert ctx.segments[0].start_line > 1


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
        starts.add(
            _build(text, offset, context_tokens=2000, suffix_tokens=100).segments[0].start_line
        )
    assert len(starts) <= 3
    assert all((start - 1) % 64 == 0 for start in starts)


def test_short_budgets_still_fill_most_of_the_window():
    text = _source(400)
    ctx = _build(text, len(text) // 2, context_tokens=400, suffix_tokens=40)
    prefix = ctx.segments[0]
    assert prefix.tokens >= 150  # half of what fits, at least
    assert (prefix.start_line - 1) % 8 == 0


def test_crlf_is_normalised_for_the_model():
    text = "a = 1\r\nb = 2\r\n"
    prefix, suffix, cursor = split_cursor(text, text.index("2"))
    assert prefix == "a = 1\nb = "
    assert suffix == "2\n"
    assert cursor.eol == "\r\n"
    assert cursor.line_prefix == "b = "
