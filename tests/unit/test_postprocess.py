"""Post-processing of model output (data: tests/data/postprocess/cases.json)."""

import json
from pathlib import Path

import pytest

from radix_ls.context.builder import CursorText
from radix_ls.features import postprocess

CASES = json.loads((Path(__file__).parent.parent / "data/postprocess/cases.json").read_text())[
    "cases"
]


def _cursor(case) -> CursorText:
    return CursorText(
        case["linePrefix"], case["lineSuffix"], case["following"], case.get("eol", "\n")
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_finish(case):
    got = postprocess.finish(case["raw"], _cursor(case), case.get("maxLines", 12))
    assert got == case["expected"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_cut_is_prefix_stable(case):
    """Once `cut` says done, more output never changes the answer (early stop is safe)."""
    cursor = _cursor(case)
    max_lines = case.get("maxLines", 12)
    final = postprocess.finish(case["raw"], cursor, max_lines)
    for end in range(len(case["raw"]) + 1):
        partial = case["raw"][:end]
        if postprocess.cut(partial, cursor, max_lines).done:
            assert postprocess.finish(partial, cursor, max_lines) == final, partial
            break
