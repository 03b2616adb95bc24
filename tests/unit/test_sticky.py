"""Sticky snippets and regions (context/sticky.py): inputs -> expected, no index needed."""

from __future__ import annotations

from radix_ls.context.budget import Snippet
from radix_ls.context.sticky import StickySnippets, region_start
from radix_ls.index.incremental import IncrementalDocument

SOURCE = """import os


def first(a):
    return a


class Shape:
    def area(self):
        return 0

    def grow(self, by):
        self.size += by
        return self


def last():
    pass
"""


def _defs(text: str):
    return IncrementalDocument("python", text, "m.py").definitions()


def _line(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_a_region_starts_after_the_last_complete_sibling():
    defs, lines = _defs(SOURCE), SOURCE.split("\n")
    # inside `last`: after the class (its previous top-level sibling)
    assert (
        region_start(defs, lines, _line(SOURCE, "    pass"))
        == _line(SOURCE, "        return self") + 1
    )
    # inside a method: after the previous method, not after the class
    grow = _line(SOURCE, "        self.size")
    assert region_start(defs, lines, grow) == _line(SOURCE, "        return 0") + 1
    # the first function: from the top of the file
    assert region_start(defs, lines, _line(SOURCE, "    return a")) == 1


def test_typing_a_new_function_stays_in_one_region():
    """From the first character of `def` until its last line, the function being typed is one
    region: a new indented line after its body continues it."""
    head = SOURCE[: SOURCE.index("def last")]
    body = "def total(values):\n    result = 0\n    for v in values:\n        result += v\n    "
    starts = set()
    for n in range(1, len(body) + 1):
        text = head + body[:n] + "\n\n\ndef tail():\n    pass\n"
        lines = text.split("\n")
        cursor = (head + body[:n]).count("\n") + 1
        starts.add(region_start(_defs(text), lines, cursor))
    assert starts == {_line(SOURCE, "        return self") + 1}


def _count(text: str) -> int:
    return (len(text) + 3) // 4  # one token per 4 characters


def _snippet(name: str, tokens: int = 10, kind: str = "definition") -> Snippet:
    return Snippet(kind, f"{name}.py", 1, 3, f"def {name}(): ...", tokens, f"imported {name}")


def test_snippets_stay_in_order_and_needed_definitions_are_appended():
    sticky = StickySnippets()
    a, b, c = _snippet("a"), _snippet("b"), _snippet("c")
    assert sticky.choose("m.py", 5, [b, c], needed=set(), budget=100, count=_count) == [b, c]
    # retrieval now finds `a` first (sorted by path) and drops `c`: the prompt keeps b, c
    assert sticky.choose("m.py", 5, [a, b], needed=set(), budget=100, count=_count) == [b, c]
    # a line uses `a`: it is appended, nothing before it moves
    assert sticky.choose("m.py", 5, [a, b], needed={"a"}, budget=100, count=_count) == [b, c, a]
    # another region: chosen afresh
    assert sticky.choose("m.py", 9, [a], needed=set(), budget=100, count=_count) == [a]


def test_a_needed_definition_that_does_not_fit_is_cut_to_its_first_lines():
    """Nothing already in the prompt moves: the addition is cut to the room left, header
    first, or left out when not even its first line fits."""
    sticky = StickySnippets()
    big = _snippet("big", 80)
    text = "def long(a, b):\n" + "".join(f"    x{i} = a + b\n" for i in range(20))
    long = Snippet("definition", "long.py", 1, 21, text, _count(text), "imported long")
    sticky.choose("m.py", 1, [big], needed=set(), budget=100, count=_count)
    chosen = sticky.choose("m.py", 1, [long], needed={"long"}, budget=100, count=_count)
    assert chosen[0] == big
    cut = chosen[1]
    assert cut.text.startswith("def long(a, b):\n") and cut.text.endswith("\n...")
    assert cut.tokens <= 20 and cut.end_line < 21
    # no room at all: left out, the pinned ones stay
    full = _snippet("full", 100)
    sticky.choose("n.py", 1, [full], needed=set(), budget=100, count=_count)
    assert sticky.choose("n.py", 1, [long], needed={"long"}, budget=100, count=_count) == [full]


def test_a_preview_does_not_move_the_pinned_snippets():
    sticky = StickySnippets()
    a, b = _snippet("a"), _snippet("b")
    sticky.choose("m.py", 1, [a], needed=set(), budget=100, count=_count)
    assert sticky.choose("m.py", 2, [b], needed=set(), budget=100, count=_count, commit=False) == [
        b
    ]
    assert sticky.choose("m.py", 1, [b], needed=set(), budget=100, count=_count) == [a]


def test_the_typed_names_definitions_are_appended_after_the_pinned_ones_once():
    """issue 15 item "partial identifiers": what the line being typed asks for goes after the
    pinned snippets (only the text after them is evaluated again), once, and stays."""
    sticky = StickySnippets()
    a, b = _snippet("a"), _snippet("b")
    typing = Snippet("definition", "t.py", 4, 6, "def render(): ...", 10, "typing ren: render")
    assert sticky.choose("m.py", 1, [a, b], needed=set(), budget=100, count=_count) == [a, b]
    chosen = sticky.choose("m.py", 1, [a], set(), 100, _count, typed=[typing])
    assert chosen == [a, b, typing]
    # the next keystrokes: the same prompt, whatever the prefix now matches
    assert sticky.choose("m.py", 1, [a], set(), 100, _count, typed=[typing]) == [a, b, typing]
    assert sticky.choose("m.py", 1, [a], set(), 100, _count) == [a, b, typing]
    # a new region starts with retrieval's choice, then the typed name's definition
    assert sticky.choose("m.py", 7, [b], set(), 100, _count, typed=[typing]) == [b, typing]


def test_a_passing_misparse_on_the_line_being_typed_does_not_change_the_region():
    """A half-typed `def` line can make the parser lose the class or function around the
    cursor for a few keystrokes: on the line of the last request, a region found in a parse
    that lost one of the definitions around the cursor is not taken; a region change on that
    line that keeps them (a new sibling `def` typed), or one on another line, is."""
    sticky = StickySnippets()
    a, b, c = _snippet("a"), _snippet("b"), _snippet("c")
    around = frozenset({"Transport", "Transport.handle"})
    assert sticky.choose("m.py", 10, [a], set(), 100, _count, line=20, enclosing=around) == [a]
    # the same line, a parse without the class: the pinned snippets stay
    lost = frozenset()
    assert sticky.choose("m.py", 19, [b], set(), 100, _count, line=20, enclosing=lost) == [a]
    assert sticky.choose("m.py", 19, [b], set(), 100, _count, line=20, enclosing=lost) == [a]
    assert sticky.choose("m.py", 10, [b], set(), 100, _count, line=20, enclosing=around) == [a]
    # the same line, a new region with everything still around it: taken
    more = around | {"Transport.handle.send"}
    assert sticky.choose("m.py", 19, [b], set(), 100, _count, line=20, enclosing=more) == [b]
    # another line: the region the parse says, whatever is around it
    assert sticky.choose("m.py", 40, [c], set(), 100, _count, line=50, enclosing=lost) == [c]
