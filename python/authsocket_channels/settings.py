"""One settings object for the package: the `AUTHSOCKET` dict in Django's settings, over defaults.

Read it as `authsocket_settings.NAME`. Values are read when first asked for and again after
Django's `setting_changed` signal (tests' `override_settings`), as DRF's `api_settings` does.
`checks.py` validates the dict at start-up: unknown keys, wrong types, settings that cannot work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Tuple

from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Setting:
    """A setting's default, the types it may take, and what it is for (the guide's table)."""

    default: Any
    types: Tuple[type, ...]
    doc: str


DEFAULT_CREDENTIALS = ["subprotocol", "header", "ticket", "query", "cookie", "session"]

SETTINGS: Dict[str, Setting] = {
    "AUTHENTICATORS": Setting(
        [
            "authsocket_channels.authenticators.simplejwt_access_token",
            "authsocket_channels.authenticators.drf_token",
        ],
        (list, tuple),
        "Dotted paths of `authenticate(token) -> (user, expires_at)` callables, tried in order; "
        "the first that returns a user wins.",
    ),
    "CREDENTIALS": Setting(
        DEFAULT_CREDENTIALS,
        (list, tuple),
        "Where `AuthSocketMiddleware` looks for a credential, in order: `subprotocol`, `header`, "
        "`ticket`, `query`, `cookie`, then `session` (the user Channels' session middleware "
        "found). The first one present decides.",
    ),
    "QUERY_PARAM": Setting("token", (str,), "The query parameter of `queryToken()`."),
    "TICKET_PARAM": Setting("ticket", (str,), "The query parameter of `ticket()`."),
    "COOKIE_NAME": Setting("JWT", (str,), "The cookie that holds a token (a JWT cookie)."),
    "HEADER_SCHEMES": Setting(
        ["Bearer", "Token", "JWT"],
        (list, tuple),
        "`Authorization` schemes read by the `header` credential (Node clients).",
    ),
    "SUBPROTOCOL": Setting(
        "authsocket.v1", (str,), "The subprotocol the server picks when a client offers it."
    ),
    "SUBPROTOCOL_PREFIX": Setting(
        "authsocket.bearer.",
        (str,),
        "The prefix of the subprotocol entry that carries a base64url token.",
    ),
    "ALLOWED_ORIGINS": Setting(
        None,
        (list, tuple, type(None)),
        "Origins a browser socket may come from (`*` for any, `.example.com` for subdomains). "
        "`None`: the hosts of `ALLOWED_HOSTS`, as Channels' `AllowedHostsOriginValidator` reads them.",
    ),
    "FIRST_MESSAGE_TIMEOUT": Setting(
        5.0,
        (int, float),
        "Seconds a first-message consumer waits for the authenticate frame before it closes 4008.",
    ),
    "REAUTH": Setting(
        True,
        (bool,),
        "Whether consumers accept in-band re-authentication (`reauth: true` in the 200 frame).",
    ),
    "CAMEL_CASE": Setting(
        False, (bool,), "Status frames in camelCase, as Chanx with `CAMELIZE` sends them."
    ),
    "MAX_FRAME_BYTES": Setting(
        64 * 1024,
        (int,),
        "The largest text frame a consumer reads; a larger one closes the socket with 4009.",
    ),
    "MAX_JSON_DEPTH": Setting(
        32, (int,), "The deepest nesting of a JSON frame; a deeper one gets an error frame."
    ),
    "TICKET_CACHE": Setting(
        "default", (str,), "The cache alias tickets live in: one that every worker shares."
    ),
    "TICKET_TTL": Setting(30, (int, float), "Seconds a ticket can be redeemed after it is minted."),
    "TICKET_PREFIX": Setting("authsocket:ticket:", (str,), "The cache key prefix of tickets."),
    "REFRESH_GRACE": Setting(
        0,
        (int, float),
        "Seconds in which a spent refresh token gets the same new pair again (0: none).",
    ),
    "HEARTBEAT": Setting(
        {"interval": 25000, "timeout": 10000},
        (dict,),
        "What `DeliveryMixin` announces: the client pings after `interval` ms of silence and "
        "gives up `timeout` ms later.",
    ),
    "DELIVERY_STORE": Setting(
        "memory",
        (str,),
        'Where delivery sessions live: `"memory"` (this process) or `"redis"` (any worker; needs '
        "`REDIS_URL`).",
    ),
    "REDIS_URL": Setting(
        None,
        (str, type(None)),
        'The Redis of `DELIVERY_STORE = "redis"`, e.g. `redis://host:6379/0`.',
    ),
    "REDIS_TIMEOUT": Setting(
        5.0,
        (int, float),
        "Seconds a call of the Redis store may take, connecting included: past it (a Redis that "
        "hangs), the socket closes with a retry hint instead of waiting for ever.",
    ),
    "DELIVERY_SESSION_TTL": Setting(
        24 * 3600,
        (int,),
        "Seconds a session is kept in Redis after it was last written (the memory store keeps "
        "the newest `DELIVERY_MAX_SESSIONS`).",
    ),
    "GROUP_LOG_SIZE": Setting(
        1000,
        (int,),
        "Messages a group keeps for its members who are away; one away longer gets `resync`.",
    ),
    "DELIVERY_MAX_SESSIONS": Setting(
        1000, (int,), "Delivery sessions a worker keeps (the newest)."
    ),
    "DELIVERY_RESUME_BUFFER": Setting(
        1000, (int,), "Messages a delivery session keeps for a replay."
    ),
    "DELIVERY_RESUME_CHARS": Setting(
        256 * 1024, (int,), "Characters a delivery session keeps for a replay."
    ),
}

IMPORT_STRINGS = {"AUTHENTICATORS"}


class AuthsocketSettings:
    """Attribute access to the `AUTHSOCKET` dict with defaults; dotted paths imported on first use."""

    def __init__(self) -> None:
        self._cached: Dict[str, Any] = {}

    @property
    def user_settings(self) -> Dict[str, Any]:
        value = getattr(django_settings, "AUTHSOCKET", None)
        return value if isinstance(value, dict) else {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in SETTINGS:
            raise AttributeError(f"Unknown authsocket setting: {name!r}")
        if name in self._cached:
            return self._cached[name]
        value = self.user_settings.get(name, SETTINGS[name].default)
        if name in IMPORT_STRINGS:
            value = [import_string(path) if isinstance(path, str) else path for path in value]
        self._cached[name] = value
        return value

    def reload(self) -> None:
        self._cached.clear()


authsocket_settings = AuthsocketSettings()


def _reload(*, setting: str, **kwargs: Any) -> None:
    if setting == "AUTHSOCKET":
        authsocket_settings.reload()


setting_changed.connect(_reload)
