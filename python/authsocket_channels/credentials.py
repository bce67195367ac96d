"""Reading a credential out of an ASGI scope: one function per way the client can send it.

Each returns the raw credential or `None` when the scope does not carry one that way. Nothing
here checks a credential; `authenticators.py` does.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional
from urllib.parse import parse_qs

from .settings import authsocket_settings

Scope = Dict[str, Any]


@dataclass(frozen=True)
class Credential:
    """A credential found in a scope: how it came (`method`) and its value (never logged)."""

    method: str
    value: str

    def __repr__(self) -> str:  # a credential never reaches a log line or a traceback
        return f"Credential(method={self.method!r}, value=<redacted>)"


def header(scope: Scope, name: str) -> Optional[str]:
    wanted = name.lower().encode("latin-1")
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return value.decode("latin-1")
    return None


def query_param(scope: Scope, name: str) -> Optional[str]:
    raw = scope.get("query_string", b"")
    try:
        values = parse_qs(raw.decode("latin-1"), max_num_fields=64).get(name)
    except ValueError:  # more fields than that: not a query anyone should send
        return None
    return values[0] if values else None


def cookie(scope: Scope, name: str) -> Optional[str]:
    for part in (header(scope, "cookie") or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


def _decode_base64url(text: str) -> Optional[str]:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def subprotocol_token(scope: Scope) -> Optional[str]:
    """The token of `Sec-WebSocket-Protocol: authsocket.v1, authsocket.bearer.<base64url>`."""
    prefix = authsocket_settings.SUBPROTOCOL_PREFIX
    for offered in scope.get("subprotocols", []):
        if offered.startswith(prefix):
            return _decode_base64url(offered[len(prefix) :])
    return None


def header_token(scope: Scope) -> Optional[str]:
    scheme, _, token = (header(scope, "authorization") or "").partition(" ")
    schemes = {name.lower() for name in authsocket_settings.HEADER_SCHEMES}
    return token.strip() if scheme.lower() in schemes and token.strip() else None


def ticket_value(scope: Scope) -> Optional[str]:
    return query_param(scope, authsocket_settings.TICKET_PARAM)


def query_token(scope: Scope) -> Optional[str]:
    return query_param(scope, authsocket_settings.QUERY_PARAM)


def cookie_token(scope: Scope) -> Optional[str]:
    return cookie(scope, authsocket_settings.COOKIE_NAME)


def no_value(scope: Scope) -> Optional[str]:
    """`session`: not read from the scope; the user an outer `AuthMiddleware` found (middleware.py)."""
    return None


READERS: Dict[str, Callable[[Scope], Optional[str]]] = {
    "subprotocol": subprotocol_token,
    "header": header_token,
    "ticket": ticket_value,
    "query": query_token,
    "cookie": cookie_token,
    "session": no_value,
}


def find_credential(scope: Scope, methods: Iterable[str]) -> Optional[Credential]:
    """The first credential the scope carries, reading `methods` in order."""
    for method in methods:
        value = READERS[method](scope)
        if value:
            return Credential(method, value)
    return None


def methods_or_default(methods: Optional[Iterable[str]]) -> List[str]:
    chosen = list(authsocket_settings.CREDENTIALS if methods is None else methods)
    unknown = [method for method in chosen if method not in READERS]
    if unknown:
        raise ValueError(f"Unknown credential method(s) {unknown}: choose from {sorted(READERS)}.")
    return chosen
