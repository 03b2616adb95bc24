"""The Neovim plugin (editors/nvim) in a real headless Neovim, attached to the real radix-ls
with the tiny model. What the plugin shows and inserts is checked against the server's own
answer for the same position, asked directly by the test script through the same client.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from radix_ls.features.syntax import SyntaxDocument

from .neovim import FUNCTION, FUNCTION_ROW, run_script, workspace

# On its empty last line the tiny model generates until maxTokens (2500 take seconds): long
# enough to type over. (Measured for a file named long.py in a folder named project.)
LONG = "import math\n\n\ndef circle_area(radius):\n    return math.pi * radius ** 2\n\n"
LONG_ROW = LONG.count("\n")  # 1-based: the empty last line


def offset(text: str, cursor: list[int]) -> int:
    """The string offset of a (0-based row, byte column) cursor."""
    lines = text.split("\n")
    before = "\n".join(lines[: cursor[0]])
    column = len(lines[cursor[0]].encode()[: cursor[1]].decode())
    return len(before) + (1 if cursor[0] else 0) + column


def cursor_after(text: str, at: int, inserted: str) -> list[int]:
    """The (0-based row, byte column) right after `inserted` placed at offset `at`."""
    head = text[:at] + inserted
    row = head.count("\n")
    return [row, len(head[head.rfind("\n") + 1 :].encode())]


def part(text: str, kind: str) -> str:
    """What accepting a word or a line inserts (the plugin's rules, restated)."""
    if kind == "line":
        return re.match(r"\n?[^\n]*", text).group(0)
    match = (
        re.match(r"\s*\w+", text, re.ASCII)
        or re.match(r"\s*[^\w\s]+", text, re.ASCII)
        or re.match(r"\s*", text, re.ASCII)
    )
    return match.group(0)


@pytest.fixture(scope="module")
def ghost(nvim, tmp_path_factory) -> dict[str, Any]:
    """One Neovim session: accept all; accept word, word, line, line, dismiss; type through."""
    path = workspace(tmp_path_factory.mktemp("ghost"), "shapes.py", FUNCTION)
    return run_script(
        nvim,
        "ghost_text.lua",
        path.parent,
        RADIX_TEST_FILE=str(path),
        RADIX_TEST_ROW=str(FUNCTION_ROW),
    )


def check_trigger(run: dict[str, Any]) -> tuple[str, int]:
    """The ghost text shows exactly the server's answer, at the cursor."""
    raw = run["raw"]
    assert raw, "the server gave no completion here: the test needs one"
    assert run["ghost"]["text"] == raw
    assert [run["ghost"]["row"], run["ghost"]["col"]] == run["cursor"]
    return raw, offset(run["before"], run["cursor"])


def test_attaches_with_utf8_and_maps_default_keys(ghost):
    assert ghost["filetype"] == "python"
    assert ghost["offset_encoding"] == "utf-8"
    assert ghost["keymaps"] == {
        "<M-l>": "radix-ls: accept",
        "<M-w>": "radix-ls: accept word",
        "<M-j>": "radix-ls: accept line",
        "<C-]>": "radix-ls: dismiss",
    }


def test_accept_inserts_the_servers_completion(ghost):
    run = ghost["accept_all"]
    raw, at = check_trigger(run)
    assert "\n" in raw, "expected a multi-line completion here"
    before = run["before"]
    accepted = run["accepted"]
    assert accepted["text"] == before[:at] + raw + before[at:]
    assert accepted["cursor"] == cursor_after(before, at, raw)
    assert accepted["mode"] == "i"


def test_accept_word_and_line_then_dismiss(ghost):
    run = ghost["partial"]
    raw, at = check_trigger(run)
    before = run["before"]
    inserted = ""
    for step in run["steps"]:
        inserted += part(raw[len(inserted) :], step["kind"])
        assert step["text"] == before[:at] + inserted + before[at:], step["kind"]
        assert step["cursor"] == cursor_after(before, at, inserted), step["kind"]
        rest = raw[len(inserted) :]
        # what is left stays on screen, anchored at the cursor
        assert step["ghost"] == {"row": step["cursor"][0], "col": step["cursor"][1], "text": rest}
    assert [s["kind"] for s in run["steps"]] == ["word", "word", "line", "line"]
    assert run["dismissed"] == {"unchanged": True, "requests": 0}  # ghost: nil (absent)


def test_typing_through_keeps_the_suggestion_and_requests_are_debounced(ghost):
    run = ghost["typed"]
    raw, at = check_trigger(run)
    after = run["after"]
    assert after["text"] == run["before"][:at] + raw[0] + run["before"][at:]
    assert after["ghost"]["text"] == raw[1:]
    assert after["requests"] == 0, "typing what is suggested must not ask again"
    assert run["burst"] == {"keys": 4, "requests": 1}


def test_typing_cancels_the_request_in_flight(nvim, tmp_path):
    path = workspace(tmp_path, "long.py", LONG)
    run = run_script(
        nvim, "cancel.lua", path.parent, RADIX_TEST_FILE=str(path), RADIX_TEST_ROW=str(LONG_ROW)
    )
    assert run["first_cancelled"]
    assert run["sent"] == 1, run
    assert "ghost_after_cancel" not in run  # nil: the cancelled answer is never drawn
    assert "ghost_after_leave" not in run
    last = run["last_completion"]
    assert last["finishReason"] == "cancelled"
    assert last["completionTokens"] < 2500, last


def test_checkhealth_reports_ok_and_status_command(nvim, tmp_path):
    path = workspace(tmp_path, "shapes.py", FUNCTION)
    run = run_script(nvim, "health.lua", path.parent, RADIX_TEST_FILE=str(path))
    for report in (run["before_start"], run["running"]):
        text = "\n".join(report)
        assert "ERROR" not in text and "WARNING" not in text, text
        assert re.search(r"OK server found: \S+", text), text
        assert "OK version: radix-ls " in text, text
    before = "\n".join(run["before_start"])
    assert "no radix_ls client is running" in before
    running = "\n".join(run["running"])
    assert "OK the server offers inline completions" in running
    assert "OK engine: llamacpp" in running
    assert re.search(r"OK model: .+\(.*tiny-qwen3-moe\.gguf\)", running), running
    assert "OK state: ready" in running
    assert re.match(r"radix-ls \S+: ready\nengine llamacpp, model ", run["status"]), run["status"]


def apply_text_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply LSP TextEdits with UTF-8 positions (the negotiated encoding) to `text`."""
    data = text.encode()
    starts = [0] + [i + 1 for i, b in enumerate(data) if b == ord("\n")]

    def at(position: dict[str, int]) -> int:
        return starts[position["line"]] + position["character"]

    for edit in sorted(edits, key=lambda e: at(e["range"]["start"]), reverse=True):
        start, end = at(edit["range"]["start"]), at(edit["range"]["end"])
        data = data[:start] + edit["newText"].encode() + data[end:]
    return data.decode()


def test_code_action_applies_through_the_builtin_client(nvim, tmp_path):
    path = workspace(tmp_path, "shapes.py", LONG)
    run = run_script(
        nvim, "code_action.lua", path.parent, RADIX_TEST_FILE=str(path), RADIX_TEST_ROWS="4,5"
    )
    assert run["provider"], "the server advertises no codeActionProvider"
    assert run.get("titles"), "the server offers code actions but none for a whole function"
    # the first action for a selected function is its docstring (formatted by the server, so
    # it applies even with the tiny model's nonsense text)
    assert run["titles"][0].startswith("radix-ls: Add docstring")
    edit = run["action"].get("edit")
    if edit is not None:
        edits = edit.get("changes", {}).get(run["uri"])
        if edits is None:
            edits = [
                e
                for change in edit.get("documentChanges", [])
                if change.get("textDocument", {}).get("uri") == run["uri"]
                for e in change["edits"]
            ]
        assert run["after"] + "\n" == apply_text_edits(run["before"] + "\n", edits)
    else:  # a command: the server applies its edit itself (workspace/applyEdit)
        assert run["after"] != run["before"]


def test_configuration_and_setup_validation(nvim, tmp_path):
    run = run_script(nvim, "setup.lua", tmp_path)
    config = run["config"]
    assert config["cmd"] == ["radix-ls", "serve"]
    assert {"python", "typescript", "go", "rust", "java", "c", "cpp"} <= set(config["filetypes"])
    assert config["root_markers"][0] == ".git"
    assert config["settings_json"] == '{"radix-ls":{}}'
    assert config["init_options_json"] == "{}"
    assert config["inline_capability"]

    errors = run["errors"]
    assert errors["unknown"] == 'radix_ls.setup: unknown option "ghost"'
    assert errors["unknown_nested"] == 'radix_ls.setup: keymaps: unknown option "accept_all"'
    assert "debounce_ms" in errors["debounce"] and "got -1" in errors["debounce"]
    assert "ghost_text.enabled" in errors["enabled"]
    assert "keymaps.accept" in errors["keymap"]
    assert errors["not_a_table"].startswith("radix_ls.setup: opts: expected table")
    assert run["valid"] is None  # no error
    assert run["merged"] == {
        "ghost_text": {"enabled": True, "debounce_ms": 20},
        "keymaps": {
            "accept": "<Tab>",
            "accept_word": "<M-w>",
            "accept_line": "<M-j>",
            "dismiss": False,
        },
    }
    assert run["reset"] == run["defaults"]  # setup() overrides the defaults, not the last setup
    assert all(run["plug"].values()), run["plug"]
    assert run["command"]
    assert run["highlight"] == {"link": "Comment", "default": True}


def test_neovim_012_uses_the_builtin_inline_completion(nvim, tmp_path):
    run = run_script(nvim, "builtin.lua", tmp_path)
    assert run["after_attach"] == [["enable", True, {"bufnr": 1}]]
    assert not run["ghost_module_loaded"]
    assert run["word"] == {"text": "total", "changed": True, "call": ["get", True]}
    assert run["line"] == {"text": "total + 1", "changed": True, "call": ["get", True]}
    assert run["dismiss"] == {"text": "total + 1", "changed": False, "call": ["get", True]}
    assert run["accept"] == {"text": "total + 1!", "changed": True, "call": ["get", False]}
    assert run["nothing"]["changed"] is False


def test_rewrite_with_instruction_asks_and_runs_on_the_server(nvim, tmp_path):
    """The plugin's radix-ls.rewrite command asks for the instruction and the server runs
    the model with it. Whatever the tiny model writes, the buffer either holds a rewrite
    that parses or stays as it was with an error shown (never a broken edit)."""
    path = workspace(tmp_path, "shapes.py", LONG)
    run = run_script(
        nvim, "rewrite.lua", path.parent, RADIX_TEST_FILE=str(path), RADIX_TEST_ROWS="4,5"
    )
    assert run["prompts"] == ["radix-ls rewrite: "]
    assert run["status"]["lastCompletion"]["completionTokens"] > 0
    errors = [m["msg"] for m in run["messages"] if m["level"] == 4]  # vim.log.levels.ERROR
    if run["after"] == run["before"]:
        assert errors and "rejected" in errors[0], run["messages"]
    else:
        assert not errors, errors
        assert SyntaxDocument(run["after"] + "\n", "python").errors() == []
        assert run["after"].startswith("import math\n")
