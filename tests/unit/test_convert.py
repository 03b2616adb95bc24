"""Position conversion between LSP encodings and string offsets (data: tests/data/convert)."""

import json
from pathlib import Path

import pytest
from lsprotocol import types

from radix_ls.lsp import convert

CASES = json.loads((Path(__file__).parent.parent / "data/convert/positions.json").read_text())[
    "cases"
]


@pytest.mark.parametrize(
    "case", CASES, ids=lambda c: f"{c['text']!r}@{c['line']}:{c['character']}/{c['encoding']}"
)
def test_position_to_offset(case):
    pos = types.Position(line=case["line"], character=case["character"])
    if "error" in case:
        with pytest.raises(convert.PositionError, match=case["error"]):
            convert.position_to_offset(case["text"], pos, case["encoding"])
    else:
        assert convert.position_to_offset(case["text"], pos, case["encoding"]) == case["offset"]


@pytest.mark.parametrize("case", [c for c in CASES if "offset" in c], ids=lambda c: repr(c["text"]))
def test_offset_round_trip(case):
    pos = convert.offset_to_position(case["text"], case["offset"], case["encoding"])
    assert convert.position_to_offset(case["text"], pos, case["encoding"]) == case["offset"]


def test_lenient_positions_clamp_like_the_spec_says():
    text = "ab\ncd"
    far_column = types.Position(line=0, character=99)
    far_line = types.Position(line=9, character=0)
    assert convert.position_to_offset(text, far_column, "utf-16", strict=False) == 2
    assert convert.position_to_offset(text, far_line, "utf-16", strict=False) == len(text)
