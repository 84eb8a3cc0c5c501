"""Keeping personal data out of the server's logs: the access log shows query parameter names, never values."""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"


class MaskQueryValues(logging.Filter):
    """Hide every query value in uvicorn's access-log line (`/api/lookup?phone=…`, `/lookup?q=…` carry numbers).

    uvicorn logs `'%s - "%s %s HTTP/%s" %d'` with (client, method, path?query, http version, status); the path
    argument is rewritten before any handler formats it. A filter on the logger itself runs for every handler.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str) and "?" in args[2]:
            path, _, query = args[2].partition("?")
            hidden = "&".join(f"{name}=***" if sep else name
                              for name, sep, _ in (part.partition("=") for part in query.split("&")))
            record.args = (args[0], args[1], f"{path}?{hidden}", args[3], args[4])
        return True


def mask_access_log() -> None:
    """Install the filter once on uvicorn's access logger (idempotent: an app may be created many times)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(existing, MaskQueryValues) for existing in logger.filters):
        logger.addFilter(MaskQueryValues())
