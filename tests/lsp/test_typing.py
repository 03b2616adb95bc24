"""Completions while typing, through the real server and the tiny model: typing through a
suggestion answers without a new model call, and a cancel with nothing typed aborts the
generation. (Joining a running generation is tested on the session, tests/session: over stdio
the tiny model finishes before a test's next message can be sure to find it running.)"""

from __future__ import annotations

import asyncio

from lsprotocol import types

from .harness import (
    change,
    inline,
    inline_params,
    open_document,
    running_server,
    status,
    wait_for,
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


async def test_cancel_with_nothing_typed_aborts_the_generation(tmp_path, tiny_model):
    path = tmp_path / "shapes.py"
    text = SOURCE + "\n"
    path.write_text(text)
    options = {"model": str(tiny_model), "maxTokens": 2500, "maxLines": 500}
    async with running_server(tmp_path, options) as client:
        uri = open_document(client, path, text)
        line, column = _end(text)
        pending = asyncio.ensure_future(
            client.protocol.send_request_async(
                types.TEXT_DOCUMENT_INLINE_COMPLETION,
                inline_params(uri, line, column),
                msg_id="dismissed",
            )
        )
        await wait_for(client, lambda s: s["activeGenerations"] == 1, within=30)
        # typed elsewhere, then dismissed: nothing can use this generation any more
        change(client, uri, 2, (0, 0), (0, 0), "#")
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="dismissed"))
        await asyncio.gather(pending, return_exceptions=True)
        after = await wait_for(client, lambda s: s["activeGenerations"] == 0, within=30)
    assert after["lastCompletion"]["finishReason"] == "cancelled"
