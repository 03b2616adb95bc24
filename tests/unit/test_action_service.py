"""ActionService on a real engine (llama.cpp, the tiny random-weight model): the engine's own
`generate` streams the answer, progress is reported while it writes, and an answer that
fails its check is retried once with the complaint before the action fails."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from radix_ls.config import Settings
from radix_ls.engine.base import GenerationRequest
from radix_ls.engine.llamacpp import LlamaCppEngine
from radix_ls.features import actions as A
from radix_ls.workspace.documents import DocumentSnapshot

SOURCE = "def total(items):\n    s = 0\n    for x in items:\n        s += x\n    return s\n"


@pytest.fixture
async def engine(tiny_model: Path):
    eng = LlamaCppEngine.load(tiny_model, n_ctx=4096)
    yield eng
    await eng.close()


async def test_generate_shows_every_chunk_to_its_callback(engine):
    seen = []
    request = GenerationRequest("def add(a, b):\n", max_tokens=24)
    result = await engine.generate(request, on_chunk=seen.append)
    assert len(seen) > 2
    assert "".join(c.text for c in seen) == result.text
    assert seen[-1].stats == result.stats and all(c.stats is None for c in seen[:-1])


async def test_a_rejected_answer_is_retried_once_with_progress(engine, tmp_path):
    path = tmp_path / "m.py"
    path.write_text(SOURCE)
    snapshot = DocumentSnapshot(path.as_uri(), 1, "python", SOURCE, path)
    settings = replace(Settings(), action_max_tokens=48, action_context_tokens=512)
    service = A.ActionService(engine, settings)
    (simplify,) = [o for o in A.offers(snapshot, 20, 20) if o.request.action == "simplify"]
    progress: list[str] = []
    # the random-weight model writes no valid Python: both answers are rejected
    with pytest.raises(A.ActionFailed, match="rejected twice") as failure:
        await service.run(snapshot, simplify.request, root=tmp_path, progress=progress.append)
    assert "(last: " in str(failure.value)
    rejected = [m for m in progress if m.startswith("answer rejected (")]
    assert len(rejected) == 2 and all(m.endswith("; retrying") for m in rejected)
    # the model wrote for a while each time: progress came every 16 chunks of text
    assert "generating: 16 chunks" in progress
    assert engine.active_generations == 0
