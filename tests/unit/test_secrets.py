"""The secret filter (radix_ls/secrets.py) and its use in prompts (context/redact.py):
issue 14 item 7."""

from __future__ import annotations

import itertools
import sysconfig
from pathlib import Path

import pytest

from radix_ls.config import resolve
from radix_ls.context.builder import LineTokenCounter, build
from radix_ls.context.redact import redact_own
from radix_ls.engine.templates import QWEN_FIM
from radix_ls.features.actions.base import ActionFailed
from radix_ls.features.actions.service import check_redacted
from radix_ls.secrets import REDACTED, SecretFilter, SecretPatternError, redact_signature
from radix_ls.workspace.documents import DocumentSnapshot

# (a line of code, the secret in it, the kind reported)
SECRET_LINES = [
    ('AWS_ACCESS_KEY_ID = "AKIAZ4XQ7RT2M5N8P3LW"', "AKIAZ4XQ7RT2M5N8P3LW", "AWS Access Key"),
    (
        'AWS_SECRET_ACCESS_KEY = "q8Vt3nR5yJ2mK9pL4sW7xZ1cB6dF0gH8jN3kM5vQ"',
        "q8Vt3nR5yJ2mK9pL4sW7xZ1cB6dF0gH8jN3kM5vQ",
        "AWS Access Key",
    ),
    (
        'DATABASE_URL = "postgres://app:Tr0ub4dor3xyz@db.internal:5432/app"',
        "Tr0ub4dor3xyz",
        "Basic Auth Credentials",
    ),
    ('db_password = "hunter2"', "hunter2", "keyword assignment"),
    ("    connect(user='app', password='s3cr3t-Pw')", "s3cr3t-Pw", "keyword assignment"),
    (
        'export const GITHUB_TOKEN = "ghp_R8mT2vX9qL4wZ7nB3kF6hJ1pS5dG0cY8aE2u";',
        "ghp_R8mT2vX9qL4wZ7nB3kF6hJ1pS5dG0cY8aE2u",
        "GitHub Token",
    ),
    (
        'const apiToken: string = "Zk3pQ9vR2mX7tL4wB8nC1yH6jD5sF0gA";',
        "Zk3pQ9vR2mX7tL4wB8nC1yH6jD5sF0gA",
        "high-entropy value",
    ),
    (
        "const stripe = 'sk_live_51HqLyjWDarjtT1zdp7dcXyZ9';",
        "sk_live_51HqLyjWDarjtT1zdp7dcXyZ9",
        "Stripe Access Key",
    ),
    (
        'const slackToken = "xoxb-912345678012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"',
        "xoxb-912345678012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "Slack Token",
    ),
    ('\tdbPassword := "gR7#kq2!Lm9zX"', "gR7#kq2!Lm9zX", "keyword assignment"),
    (
        'NPMRC = "//registry.npmjs.org/:_authToken=npm_Q8vT3nR5yJ2mK9pL4sW7xZ1cB6dF0gH8jN3k"',
        "npm_Q8vT3nR5yJ2mK9pL4sW7xZ1cB6dF0gH8jN3k",
        "NPM tokens",
    ),
    (
        'session_token = "9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c"',
        "9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c",
        "high-entropy value",
    ),
    (
        "let jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N';",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
        "JSON Web Token",
    ),
]

# ordinary code that mentions passwords, tokens and keys without holding one
ORDINARY_LINES = [
    "def check_password(self, raw_password):",
    "token = self.tokenize(text)",
    "secret_key = settings.SECRET_KEY",
    'password = os.environ["DB_PASSWORD"]',
    'PASSWORD_FIELD = "password"',
    'field_name = "new_password2"',
    'api_key = "${API_KEY}"',
    'cache_key = make_key("users", user_id)',
    'checksum = "d41d8cd98f00b204e9800998ecf8427e"',
    'url = "https://example.com/path?query=1"',
    'password := r.FormValue("password")',
    'const keyName = "primary";',
    '[b"-----BEGIN OPENSSH PRIVATE KEY-----"]',
]


@pytest.mark.parametrize(("line", "secret", "kind"), SECRET_LINES)
def test_a_credential_is_redacted(line, secret, kind):
    """issue 14 item 7: key formats, keyword assignments, URLs with a password and
    high-entropy values assigned to token/key names."""
    redacted, kinds = SecretFilter().line(line)
    assert secret not in redacted
    assert REDACTED in redacted
    assert kind in kinds
    assert SecretFilter().line(redacted) == (redacted, ())  # a second pass changes nothing


@pytest.mark.parametrize("line", ORDINARY_LINES)
def test_ordinary_code_is_left_alone(line):
    assert SecretFilter().line(line) == (line, ())


def test_ordinary_code_of_a_real_repository_is_barely_touched():
    """Bounded false positives: the standard library's json, asyncio, email, http, logging and
    importlib packages (about 40,000 lines) have no credentials; the rules redact nearly
    nothing there."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    secrets = SecretFilter()
    lines = redactions = 0
    for package in ("json", "asyncio", "email", "http", "logging", "importlib"):
        for path in sorted((stdlib / package).rglob("*.py")):
            text = path.read_text("utf-8", errors="replace")
            redacted, found = secrets.text(text, str(path))
            assert redacted.count("\n") == text.count("\n")
            lines += text.count("\n")
            redactions += len(found)
    assert lines > 30_000
    assert redactions <= 3


def test_only_the_secret_goes():
    line = (
        'NPMRC = "//registry.npmjs.org/:_authToken=npm_Q8vT3nR5yJ2mK9pL4sW7xZ1cB6dF0gH8jN3k"; x = 1'
    )
    redacted = f'NPMRC = "//registry.npmjs.org/:_authToken={REDACTED}"; x = 1'
    assert SecretFilter().line(line) == (redacted, ("NPM tokens",))


def test_lines_and_numbers_are_kept():
    text = 'import os\n\nTOKEN = "ghp_R8mT2vX9qL4wZ7nB3kF6hJ1pS5dG0cY8aE2u"\nprint(TOKEN)\n'
    redacted, found = SecretFilter().text(text, "pkg/conf.py", first_line=10)
    assert redacted.split("\n") == [
        "import os",
        "",
        f'TOKEN = "{REDACTED}"',
        "print(TOKEN)",
        "",
    ]
    assert [(r.path, r.line, r.kind) for r in found] == [("pkg/conf.py", 12, "GitHub Token")]
    assert str(found[0]) == "pkg/conf.py:12 (GitHub Token)"


def test_a_private_key_block_loses_its_body_only():
    body = [
        "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw",
        "7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFc",
        "aGVsbG8=",
    ]
    text = "\n".join(
        [
            "PEM = '''",
            "-----BEGIN RSA PRIVATE KEY-----",
            *body,
            "-----END RSA PRIVATE KEY-----",
            "'''",
            "lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]",
        ]
    )
    redacted, found = SecretFilter().text(text, "k.py")
    out = redacted.split("\n")
    assert len(out) == len(text.split("\n"))
    assert all(part not in redacted for part in body)
    assert out[1] == "-----BEGIN RSA PRIVATE KEY-----" and out[5] == "-----END RSA PRIVATE KEY-----"
    assert out[7] == "lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]"
    assert [r.line for r in found] == [3, 4, 5]
    # a key in one string, its line breaks escaped
    one_line = 'KEY = "-----BEGIN PRIVATE KEY-----\\n' + body[0] + '\\n-----END PRIVATE KEY-----"'
    assert body[0] not in SecretFilter().line(one_line)[0]


def test_user_patterns_add_rules():
    """issue 14 item 7: a setting extends the rules; a group narrows what goes."""
    line = 'ticket = "CORP-884213"  # internal id: acct=ZZ-4412'
    assert SecretFilter().line(line) == (line, ())
    redacted, kinds = SecretFilter([r"CORP-\d{6}", r"acct=(\S+)"]).line(line)
    assert redacted == f'ticket = "{REDACTED}"  # internal id: acct={REDACTED}'
    assert kinds == ("user pattern", "user pattern")


def test_an_invalid_user_pattern_is_reported():
    with pytest.raises(SecretPatternError, match="secretPatterns"):
        SecretFilter(["CORP-(\\d"])
    resolved = resolve({"secretPatterns": ["CORP-(\\d", "ok"]})
    assert resolved.settings.secret_patterns == ()
    assert any("secretPatterns" in e for e in resolved.errors)
    assert resolve({"secretPatterns": ["ok"]}).settings.secret_patterns == ("ok",)


def _context(text: str, offset: int):
    snapshot = DocumentSnapshot("file:///w/app.py", 1, "python", text)
    return build(
        snapshot,
        offset,
        template=QWEN_FIM,
        context_tokens=800,
        suffix_tokens=100,
        count=LineTokenCounter(lambda s: (len(s) + 3) // 4),
        path="app.py",
        repo_name="w",
    )


def test_the_current_file_is_redacted_around_the_cursor():
    """issue 14 item 7: the current document's prefix and suffix, the cursor line checked
    whole: a cursor inside a secret sends neither half."""
    secret = "q8Vt3nR5yJ2mK9pL4sW7xZ1cB6dF0gH8jN3kM5vQ"
    text = (
        'DATABASE_URL = "postgres://app:Tr0ub4dor3xyz@db:5432/app"\n'
        f'AWS_SECRET_ACCESS_KEY = "{secret}"\n'
        "def main():\n"
        '    slack = "xoxb-912345678012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"\n'
    )
    offset = text.index(secret) + 10  # the cursor sits inside the secret
    context, found = redact_own(_context(text, offset), QWEN_FIM, SecretFilter())
    assert "Tr0ub4dor3xyz" not in context.prompt
    assert secret[:10] not in context.prompt and secret[10:] not in context.prompt
    assert "xoxb-912345678012" not in context.prompt
    assert sorted((r.line, r.kind) for r in found) == [
        (1, "Basic Auth Credentials"),
        (2, "AWS Access Key"),
        (4, "Slack Token"),
    ]
    assert context.parts.prefix.endswith(f'AWS_SECRET_ACCESS_KEY = "{REDACTED}')
    assert context.parts.suffix.startswith('"\ndef main():')
    # nothing to redact: the very same context (the prompt stays byte-identical)
    clean = _context("def main():\n    return 1\n", 12)
    assert redact_own(clean, QWEN_FIM, SecretFilter()) == (clean, [])


def test_an_answer_that_would_overwrite_a_secret_is_refused():
    """issue 14 item 7: a code action on code with a secret never writes the marker over it."""
    with pytest.raises(ActionFailed, match="secret"):
        check_redacted("rewrite", f'KEY = "{REDACTED}"\n', True, 'KEY = "AKIAZ4XQ7RT2M5N8P3LW"\n')
    check_redacted("rewrite", 'KEY = "x"\n', True, "")  # no marker in the answer: fine
    check_redacted("docstring", f'"""{REDACTED}"""', False, "")  # nothing was redacted


def test_index_signatures_are_redacted():
    """issue 14 item 7: what the index stores of a definition (its signature) holds no secret;
    a signature without a quote (no literal) is kept as it is."""
    assert redact_signature('def connect(password="Tr0ub4dor3xyz"):') == (
        f'def connect(password="{REDACTED}"):'
    )
    assert redact_signature('TOKEN = "ghp_R8mT2vX9qL4wZ7nB3kF6hJ1pS5dG0cY8aE2u"') == (
        f'TOKEN = "{REDACTED}"'
    )
    plain = "def get_session_auth_hash(self, algorithm_key_token_secret_name):"
    assert redact_signature(plain) is plain


@pytest.mark.timeout(30)
def test_long_lines_cost_linear_time():
    """A quote never closed on a long line (minified code, data) after a secret-sounding name
    took time quadratic in the line's length (30 s for 20,000 characters, on every keystroke
    in that line), so did many `://` (the npm rule); now each of these 50,000-character lines
    takes well under a second."""
    n = 50_000
    for line in (
        'password = "' + "a" * n,
        "api_token = " + "T" * n,
        'x = "' * (n // 5) + "password",
        "a_key_b" * (n // 7),
        "://a:" * (n // 5),
    ):
        assert SecretFilter().line(line)[0].count("\n") == 0


def test_a_long_line_after_the_cursor_is_read_only_as_far_as_the_prompt_needs():
    """The cursor line is checked across the cursor, over what the prompt shows of it and a
    secret's length more: a megabyte of minified code after the cursor is not scanned per
    keystroke, and a secret far beyond what is shown is not reported."""
    far = "x" * 5000 + ' password="Tr0ub4dor3xyz"'
    text = 'TOKEN = "ghp_R8mT2vX9qL4wZ7nB3kF6hJ1pS5dG0cY8aE2u"\nvalue = f(' + far + ")\n"
    offset = text.index("f(") + 2
    context, found = redact_own(_context(text, offset), QWEN_FIM, SecretFilter())
    assert "ghp_R8mT2v" not in context.prompt and "Tr0ub4dor3xyz" not in context.prompt
    assert [(r.line, r.kind) for r in found] == [(1, "GitHub Token")]


def test_typing_after_a_secret_keeps_the_prompt_prefix_stable():
    """Prefix caching (CONVENTIONS.md): with secrets redacted above the cursor, each
    keystroke's prompt still extends the previous one's text up to the cursor."""
    head = 'API_KEY = "AKIAZ4XQ7RT2M5N8P3LW"\n\n\ndef main():\n    '
    typed = "return connect(API_KEY)"
    prompts = []
    for n in range(1, len(typed) + 1):
        text = head + typed[:n] + "\n"
        context, found = redact_own(_context(text, len(head) + n), QWEN_FIM, SecretFilter())
        assert [(r.line, r.kind) for r in found] == [(1, "AWS Access Key")]
        prompts.append(context.prompt[: context.prompt.index(typed[:n]) + n])
    assert all(b.startswith(a) for a, b in itertools.pairwise(prompts))
