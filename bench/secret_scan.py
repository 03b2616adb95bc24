"""Secret redaction over real source trees: how often ordinary code is redacted, and the cost.

    python3 -m uv run --no-sync python bench/secret_scan.py DIR [DIR ...] [--show 20] [--json OUT]

Every source file radix-ls indexes (by its language table) is redacted line by line with the
built-in rules (radix_ls/secrets.py), cold (empty cache) and then again warm. Prints files,
lines, redacted lines by kind, microseconds per line cold and warm, and the first `--show`
redacted lines (path:line, kind, the line with the secret replaced) so that each can be judged
by eye: on ordinary code every one of them is a false positive unless it is a real credential.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path

from radix_ls.index.languages import language_for_path
from radix_ls.secrets import SecretFilter


def _files(roots: list[Path]) -> list[Path]:
    found = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if language_for_path(str(path)) is not None:
                    found.append(path)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--show", type=int, default=20, help="redacted lines to print")
    parser.add_argument("--json", type=Path, help="write the numbers here as JSON")
    args = parser.parse_args(argv)
    texts = {}
    for path in _files(args.dirs):
        try:
            texts[path] = path.read_text("utf-8", errors="replace")
        except OSError:
            continue
    lines = sum(t.count("\n") + 1 for t in texts.values())
    secrets = SecretFilter()
    kinds: collections.Counter[str] = collections.Counter()
    shown: list[str] = []
    start = time.perf_counter()
    for path, text in texts.items():
        redacted, found = secrets.text(text, str(path))
        kinds.update(r.kind for r in found)
        out = redacted.split("\n")
        for r in found:
            if len(shown) < args.show:
                shown.append(f"{r.path}:{r.line} [{r.kind}] {out[r.line - 1].strip()[:120]}")
    cold = time.perf_counter() - start
    start = time.perf_counter()
    for path, text in texts.items():
        secrets.text(text, str(path))
    warm = time.perf_counter() - start
    report = {
        "files": len(texts),
        "lines": lines,
        "redactions": sum(kinds.values()),
        "by_kind": dict(kinds.most_common()),
        "cold_us_per_line": round(cold / max(lines, 1) * 1e6, 2),
        "warm_us_per_line": round(warm / max(lines, 1) * 1e6, 2),
    }
    print(json.dumps(report, indent=2))
    for line in shown:
        print(line)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
