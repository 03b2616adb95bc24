"""Big classes in a prompt: the header and the members the code near the cursor uses.

A central class (`Request`, `Response`, `URL`) is often longer than the share of the budget one
snippet may take. Cutting it to its first lines keeps the header but shows whichever methods
come first; and taking it whole crowds out every other definition. Here such a class is shown
as its header (decorators, signature, docstring, the class-level code before the first member),
the members used near the cursor in full (or their signatures where they are long), and then
the signatures of the other members while a smaller share is left, all in source order with
`...` where lines are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from radix_ls.index.model import Definition

# Of a view's cap, the most the header may take (the rest is for members).
HEADER_SHARE = 0.5
# The signatures of members nobody near the cursor uses fill the view up to this share of its
# cap: an outline of the class's API, without taking room other definitions need.
OUTLINE_SHARE = 0.5
GAP = "    ..."


@dataclass(frozen=True)
class _Piece:
    line: int  # the first line it shows (1-based)
    last: int  # the last line it shows
    text: str
    tokens: int
    stub: bool = False  # a member's signature alone, its body marked " ..."


def _lines_text(data: bytes, start_byte: int, end_byte: int) -> str:
    """The text of whole lines from the one holding `start_byte` up to `end_byte`."""
    start = data.rfind(b"\n", 0, start_byte) + 1
    return data[start:end_byte].decode("utf-8", errors="replace").rstrip("\n")


def _leading(text: str, first_line: int, cap: int, count: Callable[[str], int]) -> _Piece | None:
    """The leading lines of `text` within `cap` tokens (None if not even the first fits)."""
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        cost = count(line) + 1
        if used + cost > cap:
            break
        kept.append(line)
        used += cost
    if not kept:
        return None
    return _Piece(first_line, first_line + len(kept) - 1, "\n".join(kept), used)


def _join(pieces: Sequence[_Piece], left_out: Sequence[int]) -> str:
    """The pieces in source order, with GAP where lines in `left_out` (the first lines of
    what is not shown) fall between two of them or after the last."""
    out: list[str] = []
    last = 0
    for p in sorted(pieces, key=lambda p: p.line):
        if out and any(last < line < p.line for line in left_out):
            out.append(GAP)
        out.append(p.text)
        last = p.last
    if any(line > last for line in left_out):
        out.append(GAP)
    return "\n".join(out)


def class_view(
    cls: Definition,
    members: Sequence[Definition],
    data: bytes,
    used: Sequence[str],
    cap: int,
    count: Callable[[str], int],
) -> str | None:
    """The class `cls` (whose file's bytes are `data`) within about `cap` tokens: header, the
    members named in `used` (nearest first), then other members' signatures. None when it has
    no members (nothing to choose among: the caller cuts it as any other definition)."""
    own = sorted((m for m in members if m.container == cls.qualified_name),
                 key=lambda m: m.start_byte)  # fmt: skip
    if not own:
        return None
    head_end = data.rfind(b"\n", 0, own[0].start_byte)  # the line before the first member
    header = _lines_text(data, cls.start_byte, max(head_end, cls.start_byte))
    top = _leading(header, cls.start_line, int(cap * HEADER_SHARE), count)
    if top is None:
        return None
    pieces = [top]
    left = cap - top.tokens
    by_name = {m.name: m for m in own}
    shown: set[str] = set()
    for name in used:
        m = by_name.get(name)
        if m is None or name in shown:
            continue
        whole = _lines_text(data, m.start_byte, m.end_byte)
        piece = _leading(whole, m.start_line, left, count)
        if piece is None:
            continue
        if piece.last < m.end_line:  # too long to show whole: its signature says most
            piece = _leading(m.signature, m.start_line, left, count) or piece
        pieces.append(piece)
        shown.add(name)
        left -= piece.tokens + 2
    outline_left = left - int(cap * (1 - OUTLINE_SHARE))
    for m in own:
        if m.name in shown:
            continue
        # indented as in the file; " ..." marks the body left out, as in stub files
        signature = _lines_text(data, m.start_byte, m.start_byte) + m.signature + " ..."
        cost = count(signature) + 1
        if cost > outline_left:
            break
        last = m.start_line + signature.count("\n")
        pieces.append(_Piece(m.start_line, last, signature, cost, stub=True))
        outline_left -= cost
    # what is not shown: the rest of a cut header, members without a piece, cut members
    left_out = [top.last + 1] if top.last < cls.start_line + header.count("\n") else []
    starts = {p.line for p in pieces}
    left_out += [m.start_line for m in own if m.start_line not in starts]
    left_out += [p.last + 1 for p in pieces[1:] if not p.stub and p.last < _end_of(own, p.line)]
    return _join(pieces, left_out)


def _end_of(members: Sequence[Definition], line: int) -> int:
    return next((m.end_line for m in members if m.start_line == line), line)
