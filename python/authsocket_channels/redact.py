"""A logging filter that keeps credentials out of access logs.

daphne 4.0 logs a WebSocket's path without its query string (seen here), but its HTTP lines,
uvicorn's `uvicorn.access` logger and most proxies log the query string, where `?token=` and
`?ticket=` live. Put the filter on the handlers that write such records:

    LOGGING = {
        "version": 1,
        "filters": {"credentials": {"()": "authsocket_channels.redact.RedactCredentials"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["credentials"]}},
        ...
    }
"""

from __future__ import annotations

import logging
import re
from typing import Iterable, Optional

from .settings import authsocket_settings


def credential_pattern(params: Iterable[str]) -> "re.Pattern[str]":
    names = "|".join(re.escape(name) for name in params)
    return re.compile(rf"([?&](?:{names})=)[^&\s\"']*")


class RedactCredentials(logging.Filter):
    """Rewrites `?token=...` and `?ticket=...` (the settings' parameter names) to `?token=[redacted]`."""

    def __init__(self, name: str = "", params: Optional[Iterable[str]] = None) -> None:
        super().__init__(name)
        self.params = params

    def filter(self, record: logging.LogRecord) -> bool:
        params = self.params or (authsocket_settings.QUERY_PARAM, authsocket_settings.TICKET_PARAM)
        pattern = credential_pattern(params)
        message = record.getMessage()
        redacted = pattern.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True
