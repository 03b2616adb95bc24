"""Secrets written in source files never reach the index database, a prompt or an engine
(issue 14 item 7), through the real CLI on a real workspace with the tiny model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.engine.recording import recording_proxy
from tests.engine.servers import llama_server

CLI = [sys.executable, "-m", "radix_ls"]

SETTINGS_PY = '''"""Service settings."""

import os

AWS_ACCESS_KEY_ID = "AKIAZ4XQ7RT2M5N8P3LW"
AWS_SECRET_ACCESS_KEY = "q8Vt3nR5yJ2mK9pL4sW7xZ1cB6dF0gH8jN3kM5vQ"
DATABASE_URL = "postgres://app:Tr0ub4dor3xyz@db.internal:5432/app"


def database_url() -> str:
    return os.environ.get("DATABASE_URL", DATABASE_URL)
'''
CONFIG_TS = """export const GITHUB_TOKEN = "ghp_R8mT2vX9qL4wZ7nB3kF6hJ1pS5dG0cY8aE2u";
export const apiToken = "Zk3pQ9vR2mX7tL4wB8nC1yH6jD5sF0gA";
"""
CLIENT_TS = """import { GITHUB_TOKEN, apiToken } from "./config";

export function headers(): Record<string, string> {
  return { authorization: GITHUB_TOKEN, "x-api-token": apiToken };
}

export function request() {
  return {CURSOR}
}
""".replace("{CURSOR}", "")  # that line ends in a space: the cursor goes there
NOTIFY_GO = """package notify

const slackToken = "xoxb-912345678012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
const dbPassword = "gR7#kq2!Lm9zX"

func postSlackMessage(channel string, text string) error {
	return sendSlackMessage(slackToken, channel, text)
}
"""
# the cursor goes after "    return " on line 10
APP_PY = """from settings import database_url


def post_slack_message(channel, text):
    return send_slack_message(slack_token, channel, text)


def main():
    url = database_url()
    return {CURSOR}
""".replace("{CURSOR}", "")
SECRETS = (
    "AKIAZ4XQ7RT2M5N8P3LW",
    "q8Vt3nR5yJ2mK9pL4sW7xZ1cB6dF0gH8jN3kM5vQ",
    "Tr0ub4dor3xyz",
    "ghp_R8mT2vX9qL4wZ7nB3kF6hJ1pS5dG0cY8aE2u",
    "Zk3pQ9vR2mX7tL4wB8nC1yH6jD5sF0gA",
    "xoxb-912345678012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "gR7#kq2!Lm9zX",
)


def workspace(root: Path) -> Path:
    """A repository whose Python, TypeScript and Go constants hold credentials."""
    (root / ".git").mkdir(parents=True)
    for name, text in (
        ("settings.py", SETTINGS_PY),
        ("config.ts", CONFIG_TS),
        ("client.ts", CLIENT_TS),
        ("notify.go", NOTIFY_GO),
        ("app.py", APP_PY),
    ):
        (root / name).write_text(text)
    return root


def leaked(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [s for s in SECRETS if s.encode() in data]


def run(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(
        [*CLI, *args, "--cache-dir", str(cache)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ},
    )
    assert out.returncode == 0, out.stderr
    return out


def test_index_database_holds_no_secret(tmp_path):
    """issue 14 item 7: definition signatures (`AWS_SECRET_ACCESS_KEY = "..."`) were stored in
    plain text in the index database."""
    root = workspace(tmp_path / "ws")
    run("index", str(root), "--json", cache=tmp_path / "cache")
    files = [p for p in (tmp_path / "cache").rglob("index.sqlite3*") if p.is_file()]
    assert files
    data = b"".join(p.read_bytes() for p in files)
    assert b"AWS_SECRET_ACCESS_KEY" in data  # the definition is there...
    assert leaked(data) == []  # ...its value is not


def test_context_shows_where_and_never_what(tmp_path, tiny_model):
    """issue 14 item 7: `radix-ls context` (text and --json) carried secrets from other files,
    the cross-language similar code (a Go token in a Python prompt) included; it now lists
    where text was redacted."""
    root = workspace(tmp_path / "ws")
    args = ("context", str(root), "--file", "app.py", "--line", "10", "--col", "12")
    text = run(*args, "--model", str(tiny_model), cache=tmp_path / "cache").stdout
    assert "notify.go" in text and "settings.py" in text  # both files are in the prompt
    assert leaked(text) == []
    assert "notify.go:3 (Slack Token)" in text
    assert "notify.go:4 (keyword assignment)" in text
    assert "settings.py:6 (AWS Access Key)" in text
    report = json.loads(
        run(*args, "--json", "--model", str(tiny_model), cache=tmp_path / "cache").stdout
    )
    assert leaked(report["prompt"]) == []
    assert {"path": "notify.go", "line": 3, "kind": "Slack Token"} in report["redactions"]
    similar = {s["path"] for s in report["segments"] if s["kind"] == "similar"}
    assert "notify.go" in similar  # the cross-language case


def test_typescript_definitions_are_redacted(tmp_path, tiny_model):
    """issue 14 item 7: tokens in .ts constants reached the prompt through the imported
    definitions."""
    root = workspace(tmp_path / "ws")
    args = ("context", str(root), "--file", "client.ts", "--line", "8", "--col", "10", "--json")
    report = json.loads(run(*args, "--model", str(tiny_model), cache=tmp_path / "cache").stdout)
    assert "config.ts" in {s["path"] for s in report["segments"]}
    assert "GITHUB_TOKEN" in report["prompt"]
    assert leaked(report["prompt"]) == []
    kinds = {(r["path"], r["kind"]) for r in report["redactions"]}
    assert ("config.ts", "GitHub Token") in kinds
    assert ("config.ts", "high-entropy value") in kinds


def test_complete_json_and_the_remote_engine_see_no_secret(tmp_path, tiny_model):
    """issue 14 item 7: `complete --json` printed secrets in its prompt and the remote engine
    was sent them; a real llama.cpp server behind a recording proxy shows what goes out. The
    current file's own secret (on the cursor's line) is redacted too."""
    root = workspace(tmp_path / "ws")
    app = root / "app.py"
    app.write_text(APP_PY.replace("    return \n", '    key = "AKIAZ4XQ7RT2M5N8P3LW"; return \n'))
    with llama_server(tiny_model) as server, recording_proxy(server.url) as (url, recorded):
        out = run(
            "complete", str(app), "--line", "10", "--col", "38", "--json",
            "--engine", "remote", "--remote-url", url, "--max-tokens", "4",
            cache=tmp_path / "cache",
        )  # fmt: skip
    report = json.loads(out.stdout)
    assert leaked(report["prompt"]) == []
    assert {"path": "app.py", "line": 10, "kind": "AWS Access Key"} in report["redactions"]
    posts = [body for method, path, body in recorded.requests if path == "/v1/completions"]
    assert posts, recorded.requests
    assert b"notify.go" in posts[0]  # the other files' code went out...
    assert leaked(recorded.bodies()) == []  # ...without their secrets


def test_a_secret_pattern_adds_a_rule(tmp_path, tiny_model):
    """issue 14 item 7: the rules can be extended (`--secret-pattern`, setting
    `secretPatterns`)."""
    root = workspace(tmp_path / "ws")
    (root / "app.py").write_text(
        APP_PY.replace("    url =", '    ticket = "CORP-884213"\n    url =')
    )
    args = ("context", str(root), "--file", "app.py", "--line", "11", "--col", "12", "--json")
    plain = json.loads(run(*args, "--model", str(tiny_model), cache=tmp_path / "cache").stdout)
    assert "CORP-884213" in plain["prompt"]  # not a built-in rule
    extended = json.loads(
        run(
            *args, "--model", str(tiny_model), "--secret-pattern", r"CORP-\d{6}",
            cache=tmp_path / "cache",
        ).stdout
    )  # fmt: skip
    assert "CORP-884213" not in extended["prompt"]
    assert {"path": "app.py", "line": 9, "kind": "user pattern"} in extended["redactions"]


def test_an_invalid_secret_pattern_is_a_clear_error(tmp_path):
    """issue 14 item 7: a pattern that is not a regular expression is reported, not a crash."""
    root = workspace(tmp_path / "ws")
    out = subprocess.run(
        [*CLI, "context", str(root), "--file", "app.py", "--line", "1", "--col", "1",
         "--secret-pattern", "CORP-(\\d"],
        capture_output=True, text=True, timeout=120, env={**os.environ},
    )  # fmt: skip
    assert out.returncode == 2
    assert "secretPatterns" in out.stderr and "Traceback" not in out.stderr


def test_code_action_prompts_sent_to_the_engine_hold_no_secret(tmp_path, tiny_model):
    """issue 14 item 7: a code action's prompt (the file around its target, other files'
    definitions) went to the remote engine with the file's secrets."""
    root = workspace(tmp_path / "ws")
    with llama_server(tiny_model) as server, recording_proxy(server.url) as (url, recorded):
        subprocess.run(
            [*CLI, "batch", "docstring", str(root / "settings.py"), "--workspace", str(root),
             "--engine", "remote", "--remote-url", url, "--action-max-tokens", "16",
             "--cache-dir", str(tmp_path / "cache")],
            capture_output=True, text=True, timeout=180, env={**os.environ},
        )  # fmt: skip
    posts = [body for method, path, body in recorded.requests if path == "/v1/completions"]
    assert posts, recorded.requests
    assert b"AWS_SECRET_ACCESS_KEY" in posts[0]  # the file went out...
    assert leaked(recorded.bodies()) == []  # ...without its secrets
