"""Django system checks for the `AUTHSOCKET` settings: what cannot work is said at start-up
(`manage.py check`, `runserver`, `migrate`), not at the first socket."""

from __future__ import annotations

import difflib
from typing import Any, Dict, List

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.utils.module_loading import import_string

from .credentials import READERS
from .settings import SETTINGS

HINT_TYPES = "See the settings table in docs/django.md."


def _type_names(types: tuple) -> str:
    return " or ".join("None" if kind is type(None) else kind.__name__ for kind in types)


def check_settings_shape(user: Any) -> List[CheckMessage]:
    if not isinstance(user, dict):
        return [Error("AUTHSOCKET must be a dict.", hint=HINT_TYPES, id="authsocket.E001")]
    errors: List[CheckMessage] = []
    for name in user:
        if name not in SETTINGS:
            close = difflib.get_close_matches(str(name), list(SETTINGS), n=1)
            hint = (
                f"Did you mean {close[0]}?" if close else f"Known settings: {', '.join(SETTINGS)}."
            )
            errors.append(
                Error(
                    f"AUTHSOCKET has an unknown setting {name!r}.", hint=hint, id="authsocket.E002"
                )
            )
            continue
        types = SETTINGS[name].types
        value = user[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            errors.append(
                Error(
                    f"AUTHSOCKET[{name!r}] must be {_type_names(types)}, not {type(value).__name__}.",
                    hint=HINT_TYPES,
                    id="authsocket.E003",
                )
            )
    return errors


def check_values(user: dict) -> List[CheckMessage]:
    errors: List[CheckMessage] = []
    for path in user.get("AUTHENTICATORS", []):
        if not isinstance(path, str):
            continue
        try:
            import_string(path)
        except ImportError as error:
            errors.append(
                Error(
                    f"AUTHSOCKET['AUTHENTICATORS'] names {path!r}, which cannot be imported ({error}).",
                    id="authsocket.E004",
                )
            )
    unknown = [method for method in user.get("CREDENTIALS", []) if method not in READERS]
    if unknown:
        errors.append(
            Error(
                f"AUTHSOCKET['CREDENTIALS'] has unknown methods {unknown}.",
                hint=f"Choose from {', '.join(READERS)}.",
                id="authsocket.E005",
            )
        )
    heartbeat = user.get("HEARTBEAT")
    if isinstance(heartbeat, dict):
        for key in ("interval", "timeout"):
            value = heartbeat.get(key)
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not 1000 <= value <= 3_600_000
            ):
                errors.append(
                    Error(
                        f"AUTHSOCKET['HEARTBEAT'][{key!r}] must be milliseconds from 1000 to 3600000.",
                        hint="The client ignores timings outside that range (docs/PROTOCOL.md section 7).",
                        id="authsocket.E006",
                    )
                )
    sizes = (
        "MAX_FRAME_BYTES",
        "MAX_JSON_DEPTH",
        "TICKET_TTL",
        "FIRST_MESSAGE_TIMEOUT",
        "REDIS_TIMEOUT",
        "DELIVERY_SESSION_TTL",
        "GROUP_LOG_SIZE",
        "DELIVERY_MAX_SESSIONS",
        "DELIVERY_RESUME_BUFFER",
        "DELIVERY_RESUME_CHARS",
    )
    for name in sizes:
        value = user.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value <= 0:
            errors.append(Error(f"AUTHSOCKET[{name!r}] must be above 0.", id="authsocket.E007"))
    return errors


def check_delivery_store(user: Dict[str, Any]) -> List[CheckMessage]:
    store = user.get("DELIVERY_STORE", SETTINGS["DELIVERY_STORE"].default)
    if store not in ("memory", "redis"):
        return [
            Error(
                f"AUTHSOCKET['DELIVERY_STORE'] is {store!r}.",
                hint='Use "memory" (one process) or "redis" (any worker).',
                id="authsocket.E014",
            )
        ]
    if store != "redis":
        return []
    errors: List[CheckMessage] = []
    if not user.get("REDIS_URL"):
        errors.append(
            Error(
                "AUTHSOCKET['DELIVERY_STORE'] is \"redis\" but AUTHSOCKET['REDIS_URL'] is not set.",
                hint="Set it to the Redis every worker shares, e.g. redis://127.0.0.1:6379/0.",
                id="authsocket.E015",
            )
        )
    try:
        import redis  # noqa: F401
    except ImportError:
        errors.append(
            Error(
                "AUTHSOCKET['DELIVERY_STORE'] is \"redis\" but the redis package is not installed.",
                id="authsocket.E016",
            )
        )
    return errors


def check_ticket_cache(user: dict) -> List[CheckMessage]:
    alias = user.get("TICKET_CACHE", SETTINGS["TICKET_CACHE"].default)
    caches = getattr(
        settings,
        "CACHES",
        {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    )
    if not isinstance(alias, str):
        return []
    if alias not in caches:
        return [
            Error(
                f"AUTHSOCKET['TICKET_CACHE'] is {alias!r}, which is not in CACHES.",
                hint=f"CACHES has {', '.join(caches) or 'nothing'}.",
                id="authsocket.E010",
            )
        ]
    backend = str(caches[alias].get("BACKEND", ""))
    if backend.endswith("DummyCache"):
        return [
            Error(
                f"Tickets live in the cache {alias!r}, a DummyCache, which keeps nothing: no ticket could be redeemed.",
                hint="Point AUTHSOCKET['TICKET_CACHE'] at a cache every worker shares (django-redis, Redis, the database cache).",
                id="authsocket.E011",
            )
        ]
    if backend.endswith("memcached.MemcachedCache"):
        return [
            Error(
                f"Tickets live in the cache {alias!r}, python-memcached's MemcachedCache, whose "
                "delete() does not say whether it deleted: a ticket could be redeemed twice.",
                hint="Use PyMemcacheCache, django-redis, Redis or the database cache.",
                id="authsocket.E012",
            )
        ]
    if backend.endswith("LocMemCache"):
        return [
            Warning(
                f"Tickets live in the cache {alias!r}, a LocMemCache: a ticket minted by one "
                "process cannot be redeemed by another.",
                hint="Fine for one worker (runserver, one daphne). With several, use a cache they "
                "share (django-redis, Redis, the database cache).",
                id="authsocket.W001",
            )
        ]
    if "django_redis" in backend:
        try:
            import redis  # noqa: F401
        except ImportError:
            return [
                Error(
                    f"The cache {alias!r} is django-redis, but the redis package is not installed.",
                    id="authsocket.E013",
                )
            ]
    return []


@register("authsocket")
def check_authsocket_settings(app_configs: Any = None, **kwargs: Any) -> List[CheckMessage]:
    user = getattr(settings, "AUTHSOCKET", {})
    errors = check_settings_shape(user)
    if errors and any(error.id == "authsocket.E001" for error in errors):
        return errors
    return errors + check_values(user) + check_ticket_cache(user) + check_delivery_store(user)
