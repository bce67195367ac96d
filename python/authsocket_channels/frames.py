"""The frames of authsocket's protocol (docs/PROTOCOL.md) that the server writes, in one place.

Status frames have Chanx's shape: `{"action": "authentication", "payload": {"status_code",
"status_text", "data": {"detail", ...}}}`, in camelCase when asked (Chanx with `CAMELIZE`).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Dict


class CloseCode(IntEnum):
    """The close codes of docs/PROTOCOL.md section 3.

    An application under daphne can close with 1000 or 3000-4999 only (autobahn refuses the
    rest), so a frame over the limit is 4009, not RFC 6455's 1009.
    """

    UNAUTHORIZED = 4001
    FORBIDDEN = 4003
    AUTH_TIMEOUT = 4008
    MESSAGE_TOO_BIG = 4009


STATUS_TEXT = {200: "OK", 401: "Unauthorized", 403: "Forbidden"}

# What a 401 or 403 frame is followed by.
REFUSAL_CLOSE = {401: CloseCode.UNAUTHORIZED, 403: CloseCode.FORBIDDEN}


def camelize(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def status_frame(status: int, detail: str, camel_case: bool = False, **data: Any) -> Dict[str, Any]:
    """The authentication status frame for `status` (200, 401 or 403) with `detail` and `data`."""
    body = {"detail": detail, **data}
    if camel_case:
        body = {camelize(key): value for key, value in body.items()}
        payload = {"statusCode": status, "statusText": STATUS_TEXT[status], "data": body}
    else:
        payload = {"status_code": status, "status_text": STATUS_TEXT[status], "data": body}
    return {"action": "authentication", "payload": payload}


def error_frame(detail: str) -> Dict[str, Any]:
    """What the server answers to a frame it cannot read; the socket stays open."""
    return {"type": "error", "detail": detail}


def pong_frame() -> Dict[str, Any]:
    return {"action": "pong"}


def ack_frame(seq: int) -> Dict[str, Any]:
    return {"action": "ack", "seq": seq}


def retry_frame(after_ms: int, jitter_ms: int) -> Dict[str, Any]:
    """When to come back: after `after_ms`, plus a random part of `jitter_ms` (docs/PROTOCOL.md section 7)."""
    return {"action": "retry", "after": after_ms, "jitter": jitter_ms}


def resync_frame(epoch: str) -> Dict[str, Any]:
    return {"action": "resync", "epoch": epoch}


def message_frame(epoch: str, offset: int, data: Any) -> Dict[str, Any]:
    return {"action": "message", "epoch": epoch, "offset": offset, "data": data}
