"""`radixLs/context` and completions in the real server never carry a secret (issue 14 item 7)."""

from __future__ import annotations

from tests.cli.test_secrets import APP_PY, leaked, workspace

from .harness import inline, open_document, plain, request, running_server


async def test_server_context_and_completion_hold_no_secret(tmp_path, tiny_model):
    """issue 14 item 7: `radixLs/context` showed the secrets of other files (Python and Go)
    and of the open document; it now lists where they were redacted. `secretPatterns` from
    the client adds a rule."""
    root = workspace(tmp_path)
    text = APP_PY.replace("    url =", '    ticket = "CORP-884213"\n    url =')
    options = {"model": str(tiny_model), "secretPatterns": [r"CORP-\d{6}"]}
    async with running_server(root, options) as client:
        uri = open_document(client, root / "app.py", text)
        params = {"textDocument": {"uri": uri}, "position": {"line": 10, "character": 11}}
        context = plain(await request(client, "radixLs/context", params))
        answer = await inline(client, uri, 10, 11)  # a completion still works
    assert answer is not None
    assert "notify.go" in context["prompt"]
    assert leaked(context["prompt"]) == [] and "CORP-884213" not in context["prompt"]
    where = {(r["path"], r["line"], r["kind"]) for r in context["redactions"]}
    assert ("notify.go", 3, "Slack Token") in where
    assert ("app.py", 9, "user pattern") in where
