"""Logging to stderr (never stdout: in stdio mode stdout is the LSP channel)."""

from __future__ import annotations

import logging
import sys

LOGGER = "radix_ls"


def setup(level: str = "info") -> logging.Logger:
    logger = logging.getLogger(LOGGER)
    logger.setLevel(level.upper())
    if not any(getattr(h, "_radix_stderr", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._radix_stderr = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = False
    return logger
