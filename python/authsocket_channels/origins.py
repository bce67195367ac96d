"""Which `Origin` may open a socket (cross-site WebSocket hijacking: a page on another site opening
a socket that the browser authenticates with the user's cookies).

Channels' `AllowedHostsOriginValidator` refuses at the handshake, which daphne turns into an
HTTP 403 that a browser cannot read (it sees close 1006 and retries). The consumer instead
accepts, sends a 403 frame saying which origin was refused, and closes 4003: the client stops at
once with the reason. A socket with no `Origin` is not a browser's; it is refused only when its
credential is one a browser would send by itself (a cookie or the session).
"""

from __future__ import annotations

from typing import List, Optional
from urllib.parse import urlparse

from channels.security.websocket import OriginValidator
from django.conf import settings

from .credentials import Scope, header
from .settings import authsocket_settings

# Credentials a browser attaches to any request to the site, whichever page makes it.
AMBIENT_METHODS = {"cookie", "session"}


def allowed_origins() -> List[str]:
    configured = authsocket_settings.ALLOWED_ORIGINS
    if configured is not None:
        return list(configured)
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:
        hosts = ["localhost", "127.0.0.1", "[::1]"]
    return hosts


def origin_refusal(scope: Scope, method: Optional[str]) -> Optional[str]:
    """Why this socket's `Origin` is refused (the 403 frame's detail), or `None` if it may go on."""
    origin = header(scope, "origin")
    if origin is None:
        if method in AMBIENT_METHODS:
            return "A socket authenticated by cookie must send an Origin header."
        return None
    validator = OriginValidator(None, allowed_origins())
    try:
        parsed = urlparse(origin.lower())
    except ValueError:
        parsed = None
    if parsed is None or not validator.valid_origin(parsed):
        shown = origin[:200].encode("ascii", "replace").decode("ascii")
        return f"Origin {shown} is not allowed."
    return None
