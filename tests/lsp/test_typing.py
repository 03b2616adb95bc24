"""Completions while typing, through the real server and the tiny model: typing through a
suggestion answers without a new model call. (Joining a running generation is tested on the
session, tests/session: over stdio the tiny model can finish before a test's next message
finds it running. A cancel with nothing typed, and an edit away from the cursor, abort the
generation: tests/lsp/test_inline_completion.py.)"""

from __future__ import annotations

from .harness import (
    change,
    inline,
    open_document,
    running_server,
    status,
)

SOURCE = """import math


class Circle:
    def __init__(self, radius):
        self.radius = radius

    def area(self):
        return math.pi * self.radius ** 2

    def circumference(self):
        return """


def _end(text: str) -> tuple[int, int]:
    return text.count("\n"), len(text) - text.rfind("\n") - 1


async def _suggestion(client, uri: str, text: str) -> str:
    line, column = _end(text)
    result = await inline(client, uri, line, column)
    items = list(result.items) if result else []
    return items[0].insert_text if items else ""


async def test_typing_through_a_suggestion_needs_no_model_call(tmp_path, tiny_model):
    path = tmp_path / "shapes.py"
    path.write_text(SOURCE)
    async with running_server(tmp_path, {"model": str(tiny_model), "maxTokens": 24}) as client:
        uri = open_document(client, path, SOURCE)
        suggestion = await _suggestion(client, uri, SOURCE)
        assert len(suggestion.strip()) >= 3, "the tiny model gave no usable suggestion here"
        before = (await status(client))["completions"]
        typed = suggestion[:2]
        line, column = _end(SOURCE)
        change(client, uri, 2, (line, column), (line, column), typed)
        rest = await _suggestion(client, uri, SOURCE + typed)
        after = (await status(client))["completions"]
        # something else typed: the model is asked again
        change(client, uri, 3, (line, column + 2), (line, column + 2), "\u00a7")
        await _suggestion(client, uri, SOURCE + typed + "\u00a7")
        last = (await status(client))["completions"]
    assert rest == suggestion[2:]
    assert after["modelCalls"] == before["modelCalls"]
    assert after["typedThrough"] == before["typedThrough"] + 1
    assert last["modelCalls"] == after["modelCalls"] + 1
