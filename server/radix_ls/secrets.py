"""Secret redaction: credentials in source text never reach the index nor a prompt.

Every piece of file text that radix-ls stores (definition signatures in the index) or sends to
an engine (the current file around the cursor, other files' snippets) goes through
`SecretFilter`. What looks like a credential is replaced by `REDACTED`; line breaks are never
added nor removed (line numbers stay right) and the result depends only on the text, so
prompts stay byte-stable while the user types (prefix caching, CONVENTIONS.md).

The detection rules come from Yelp's detect-secrets (Apache-2.0), the rule set pre-commit
setups use, rather than a private list:
- its key-format plugins (AWS, GitHub, GitLab, Slack, Stripe, OpenAI, PyPI, npm, JWT, Twilio,
  SendGrid, Azure, basic-auth URLs...), their regexes used directly;
- its keyword rules (`password = "..."`, `secret: '...'`, `api_key => "..."`...) in the
  quoted-value forms it uses for code, plus Go's `:=`, with its heuristic false-positive
  filters (templates, `${VAR}`, UUIDs, sequences, ids);
- its Shannon-entropy measure and limits, for quoted values assigned to names with token /
  key / secret / password / auth / credential in them (detect-secrets' keyword list has no
  `token` nor bare `key`);
- private key blocks (`-----BEGIN ... PRIVATE KEY-----` to its END line; detect-secrets only
  flags the BEGIN line), which span lines and are handled over the whole text.
Only the detectors' regexes and pure helpers are used: never their `analyze_line`, which reads
global settings and can verify a secret over the network.

Lines are checked one at a time with a bounded cache keyed by the line's text: a keystroke
changes one line, so a prompt costs one dictionary look-up per unchanged line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from detect_secrets.filters import heuristic
from detect_secrets.plugins import keyword
from detect_secrets.plugins.artifactory import ArtifactoryDetector
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.cloudant import CloudantDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.high_entropy_strings import (
    Base64HighEntropyString,
    HexHighEntropyString,
)
from detect_secrets.plugins.ibm_cloud_iam import IbmCloudIamDetector
from detect_secrets.plugins.ibm_cos_hmac import IbmCosHmacDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.softlayer import SoftlayerDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

# What a secret is replaced by. Neither the keyword rules (a value must start with a word
# character) nor the URL rule (no brackets in a password) match it: redacting twice changes
# nothing.
REDACTED = "[redacted]"

# detect-secrets' detectors for well-known key formats. Left out: its public-IP detector (an
# address is not a credential) and its private-key one (only the BEGIN line; see _PRIVATE_KEY).
_FORMAT_DETECTORS: tuple[type[RegexBasedDetector], ...] = (
    ArtifactoryDetector,
    AWSKeyDetector,
    AzureStorageKeyDetector,
    BasicAuthDetector,
    CloudantDetector,
    DiscordBotTokenDetector,
    GitHubTokenDetector,
    GitLabTokenDetector,
    IbmCloudIamDetector,
    IbmCosHmacDetector,
    JwtTokenDetector,
    MailchimpDetector,
    NpmDetector,
    OpenAIDetector,
    PypiTokenDetector,
    SendGridDetector,
    SlackDetector,
    SoftlayerDetector,
    SquareOAuthDetector,
    StripeDetector,
    TelegramBotTokenDetector,
    TwilioKeyDetector,
)


# detect-secrets' value pattern with its length bounded: unbounded, a quote that is never
# closed costs time quadratic in the line's length (30 s for a 20,000-character line, on every
# keystroke in it). Its first lookahead always matches and goes; values over 256 characters
# are not credentials anyway.
_VALUE = r"(?=\w)[^\v'\"]{0,255}[^\v,'\"`]"
if not keyword.SECRET.startswith("(?=[^\\v\\'\\\"]*)(?=\\w+)"):
    # its keyword rules would then run unbounded (or no longer match what _VALUE replaces)
    raise ImportError("detect-secrets changed its keyword value rule: check radix_ls/secrets.py")


def _bounded(regex: re.Pattern[str]) -> re.Pattern[str]:
    """One of detect-secrets' keyword rules, its value pattern bounded (`_VALUE`)."""
    return re.compile(regex.pattern.replace(keyword.SECRET, _VALUE), regex.flags)


def _keyword_regex(operator: str) -> re.Pattern[str]:
    """A keyword rule in detect-secrets' own pieces: a denylisted name, `operator`, then a
    quoted value (group 4)."""
    k = keyword
    ws = k.OPTIONAL_WHITESPACE
    return re.compile(
        rf"{k.DENYLIST_REGEX}({k.CLOSING})?{operator}{ws}({k.QUOTE})({_VALUE})(\3)",
        flags=re.IGNORECASE,
    )


# Go's `name := "value"` in the quoted form (detect-secrets' Go rule also takes unquoted
# values, which in code are references, not secrets).
_GO_QUOTED = _keyword_regex(rf"{keyword.OPTIONAL_WHITESPACE}:=")
# A declaration with a type between the name and `=` (`password: string = "..."` in
# TypeScript, `dbPassword string = "..."` in Go, `PASSWORD: &str = "..."` in Rust), which
# detect-secrets' rules do not expect.
_TYPED_QUOTED = _keyword_regex(rf"(?:\s*:\s*|\s+)[&\w.<>\[\]|]+{keyword.OPTIONAL_WHITESPACE}=")
# detect-secrets' keyword rules for code, by the group that holds the value: its
# quotes-required set (Python, JavaScript, Java, Swift...), its C/C#/Objective-C and C++ forms
# and Go's `:=`. The value must be quoted in every one of them: `password = get()` is not a
# secret.
_KEYWORD_RULES: tuple[tuple[re.Pattern[str], int], ...] = (
    *(
        (_bounded(regex), group)
        for rules in (
            keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
            keyword.COMMON_C_DENYLIST_REGEX_TO_GROUP,
            keyword.C_PLUS_PLUS_REGEX_TO_GROUP,
        )
        for regex, group in rules.items()
    ),
    (_GO_QUOTED, 4),
    (_TYPED_QUOTED, 4),
)

# A quoted value of 16+ characters assigned (=, :=, :, =>; after a declared type or not) to a
# name that says it holds a credential; it is redacted when its entropy is over
# detect-secrets' limits.
_NAMED_VALUE = re.compile(
    # from the start of a name only (a match starting at every position of a long run of word
    # characters would take time quadratic in its length)
    r"(?i)(?<![\w.\-])[\w.\-]*?(?:token|secret|passw|pwd|key|auth|credential)[\w\-]*['\"\]]{0,2}"
    r"(?:\s*:\s*[&\w.<>\[\]|]+|\s+[&\w.<>\[\]|]+)?\s*"  # a declared type (TS, Go, Rust)
    r"(?::=|=>|[:=])\s*[@rbf]?(['\"`])([A-Za-z0-9+/=_\-]{16,256})\1"
)
# A value that is itself a name built on a keyword (Django's forms have dozens).
_NAME_VALUE = re.compile(r"(?i)[a-z_]*(?:password|passwd|pwd|secret|key|token)[a-z_]*\d?$")
_BASE64 = Base64HighEntropyString()
_HEX = HexHighEntropyString()
_HEX_CHARS = frozenset("0123456789abcdefABCDEF")

# A private key block, or its start when the END line is not there (yet): the key material in
# its body goes (runs of base64, so that code around a key's BEGIN and END literals stays).
_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(.*?)(?=-----END [A-Z0-9 ]*PRIVATE KEY|\Z)",
    re.DOTALL,
)

# Cheap gates, so that most code lines cost two searches: the keyword, named-value and
# keyword-anchored key-format rules need one of these words (lowercased substrings: an
# IGNORECASE alternation is ten times slower); the other key formats need 10+ characters of
# [A-Za-z0-9_+/=-] or one of the literal markers.
_WORDS = ("key", "pass", "pwd", "secret", "contras", "token", "auth", "credential")
_LONG = re.compile(r"[A-Za-z0-9_+/=\-]{10}")
_MARKERS = ("://", "xox", "eyJ", "PRIVATE KEY")
_VALUE_END = re.compile(r"[\s'\"`]")
_QUOTES = ("'", '"', "`")
_ANCHORED = (CloudantDetector, IbmCloudIamDetector, IbmCosHmacDetector, SoftlayerDetector)

# A line of key material: runs of base64 and nothing else but quotes, escapes, commas...
_KEY_MATERIAL = re.compile(r"[A-Za-z0-9+/=]{4,}")
_LONG_KEY = re.compile(r"[A-Za-z0-9+/=]{16,}")
_WORDS_LEFT = re.compile(r"[A-Za-z0-9]{2,}")

_CACHE_ENTRIES = 50_000

Span = tuple[int, int, str]  # (start, end, kind) in one line


@dataclass(frozen=True)
class Redaction:
    """Where a secret was taken out (never the secret itself)."""

    path: str
    line: int  # 1-based
    kind: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.kind})"


class SecretPatternError(ValueError):
    """A user pattern (`secretPatterns`) is not a valid regular expression."""


def compile_patterns(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    """The user's extra rules, compiled; a clear error names the first invalid one."""
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise SecretPatternError(f"secretPatterns: {pattern!r} is not valid: {exc}") from None
    return tuple(compiled)


def _format_spans(line: str, words: bool) -> list[Span]:
    spans: list[Span] = []
    for detector in _FORMAT_DETECTORS:
        if not words and detector in _ANCHORED and "://" not in line:
            continue
        if detector is NpmDetector and "_authToken" not in line:
            continue  # its `//.+/:_authToken=` is quadratic in the line's length without it
        for regex in detector.denylist:
            for m in regex.finditer(line):
                spans.append((*_secret_span(m), detector.secret_type))
    return spans


def _secret_span(m: re.Match[str]) -> tuple[int, int]:
    """The part of a key-format match that is the secret: the value group when the rule names
    the secret before it (`aws...key = "..."`, `user:PASSWORD@`), else the whole match
    without the delimiters some rules take in (quotes, `=`, `:`, spaces)."""
    text = m.string
    if m.re.groups and m.start(1) > m.start() and m.end(1) - m.start(1) >= 8:
        # a greedy value (npm's `npm_.+`) ends where a credential cannot go on: a quote or a
        # space
        start, end = m.span(1)
        stop = _VALUE_END.search(text, start, end)
        return start, stop.start() if stop else end
    start, end = m.span()
    while start < end and text[start] in " \t\"'=:/@":
        start += 1
    while end > start and text[end - 1] in " \t\"'@":
        end -= 1
    return start, end


def _keyword_spans(line: str) -> list[Span]:
    if heuristic.is_indirect_reference(line):
        return []
    spans: list[Span] = []
    for regex, group in _KEYWORD_RULES:
        for m in regex.finditer(line):
            value = m.group(group)
            if not value or _filtered(value, line):
                continue
            spans.append((m.start(group), m.end(group), "keyword assignment"))
    return spans


def _filtered(value: str, line: str) -> bool:
    """detect-secrets' heuristic filters, and a name given as the value (`PASSWORD_FIELD =
    "password"`, `field_name="new_password2"`): what looks like a placeholder, not a secret."""
    return (
        _NAME_VALUE.match(value) is not None
        or heuristic.is_templated_secret(value)
        or heuristic.is_prefixed_with_dollar_sign(value)
        or heuristic.is_sequential_string(value)
        or heuristic.is_potential_uuid(value)
        or heuristic.is_likely_id_string(value, line)
        or heuristic.is_not_alphanumeric_string(value)
    )


def _entropy_spans(line: str) -> list[Span]:
    spans: list[Span] = []
    for m in _NAMED_VALUE.finditer(line):
        value = m.group(2)
        if _filtered(value, line):
            continue
        if set(value) <= _HEX_CHARS:
            high = _HEX.calculate_shannon_entropy(value) > _HEX.entropy_limit
        else:
            high = _BASE64.calculate_shannon_entropy(value) > _BASE64.entropy_limit
        if high:
            spans.append((m.start(2), m.end(2), "high-entropy value"))
    return spans


def _inline_key_spans(line: str) -> list[Span]:
    """Key material after a BEGIN ... PRIVATE KEY header on the same line (a key in one
    string, its line breaks escaped)."""
    return [
        (k.start(), k.end(), "private key")
        for m in _PRIVATE_KEY.finditer(line)
        for k in _LONG_KEY.finditer(line, m.start(1), m.end(1))
    ]


def _merge(spans: list[Span]) -> tuple[Span, ...]:
    """Overlapping spans as one (the first kind found for it), in line order."""
    merged: list[Span] = []
    for start, end, kind in sorted(spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, kind))
    return tuple(merged)


def apply(line: str, spans: Sequence[Span]) -> str:
    """`line` with every span replaced by REDACTED (spans in order, not overlapping)."""
    out, at = [], 0
    for start, end, _ in spans:
        out.append(line[at:start])
        out.append(REDACTED)
        at = end
    out.append(line[at:])
    return "".join(out)


class SecretFilter:
    """The built-in rules plus the user's (`secretPatterns`), with a per-line cache.

    Thread-safe enough for its use: the cache is a plain dict (assignments are atomic), and a
    race only computes a line twice.
    """

    def __init__(self, extra: Sequence[str] = ()) -> None:
        self.extra = compile_patterns(extra)
        self._cache: dict[str, tuple[Span, ...]] = {}

    def spans(self, line: str) -> tuple[Span, ...]:
        """The secrets in one line (no line break in it), as (start, end, kind)."""
        found = self._cache.get(line)
        if found is not None:
            return found
        spans: list[Span] = []
        for regex in self.extra:
            for m in regex.finditer(line):
                s, e = m.span(1) if regex.groups else m.span()
                spans.append((s, e, "user pattern"))
        lower = line.lower()
        words = any(w in lower for w in _WORDS)
        if words or _LONG.search(line) or any(m in line for m in _MARKERS):
            spans += _format_spans(line, words)
            spans += _inline_key_spans(line)
        if words and any(q in line for q in _QUOTES):  # every keyword rule wants a quoted value
            spans += _keyword_spans(line) + _entropy_spans(line)
        found = _merge(spans)
        if len(self._cache) >= _CACHE_ENTRIES:
            self._cache.clear()
        self._cache[line] = found
        return found

    def line(self, line: str) -> tuple[str, tuple[str, ...]]:
        """One line redacted, and the kinds of what was taken out."""
        spans = self.spans(line)
        return (apply(line, spans), tuple(k for _, _, k in spans)) if spans else (line, ())

    def text(self, text: str, path: str = "", first_line: int = 1) -> tuple[str, list[Redaction]]:
        """`text` redacted (same number of lines), with where: `first_line` is the line
        number of its first line in `path`."""
        lines = text.split("\n")
        found: list[Redaction] = []
        if "PRIVATE KEY" in text:
            for number in _private_key_lines(text):
                line = lines[number]
                if _KEY_MATERIAL.search(line) and not _WORDS_LEFT.search(
                    _KEY_MATERIAL.sub("", line)
                ):
                    redacted = _KEY_MATERIAL.sub(REDACTED, line)
                    lines[number] = redacted
                    found.append(Redaction(path, first_line + number, "private key"))
        for i, line in enumerate(lines):
            spans = self.spans(line)
            if spans:
                lines[i] = apply(line, spans)
                found += [Redaction(path, first_line + i, kind) for _, _, kind in spans]
        return "\n".join(lines), found

    def redact(self, text: str) -> str:
        """`text` redacted, without the report."""
        return self.text(text)[0]


def _private_key_lines(text: str) -> list[int]:
    """The 0-based numbers of the lines inside private key blocks (between BEGIN and END)."""
    numbers: list[int] = []
    for m in _PRIVATE_KEY.finditer(text):
        first = text.count("\n", 0, m.start(1)) + 1  # the line after the BEGIN line
        last = text.count("\n", 0, m.end(1))  # the END line, or the last line of the text
        if m.end(1) == len(text):
            last += 1  # no END line: the body runs to the end
        numbers.extend(range(first, last))
    return numbers


@functools.lru_cache(maxsize=8)
def secret_filter(extra: tuple[str, ...] = ()) -> SecretFilter:
    """The filter for a set of user patterns, shared (with its cache) by everyone using it."""
    return SecretFilter(extra)


def redact_signature(text: str) -> str:
    """Index text (a definition's signature) with the built-in rules applied.

    A signature holds a secret only as a literal (a default value, a constant's value), and
    every literal a secret can be is quoted: a signature without a quote is stored as it is.
    On Django's 43,541 signatures that skips 95% of them: redacting costs 3% of the extraction
    time instead of 20%."""
    if not any(q in text for q in _QUOTES):
        return text
    return secret_filter().redact(text)
