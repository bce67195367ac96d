"""Single-use WebSocket tickets in Django's cache: minted by a view, redeemed by the middleware.

Redeeming must be one step: a `get` then a `delete` lets two workers given the same ticket at
once both read it before either deletes it. With django-redis it is Redis's GETDEL; in one
process with the memory cache, `get` and `delete` run with no await between them, so no other
connection's code runs in between either.
"""
import secrets

from django.core.cache import cache

TICKET_SECONDS = 30


def mint(user_id):
    ticket = secrets.token_urlsafe(24)
    cache.set(_key(ticket), user_id, TICKET_SECONDS)
    return ticket


def redeem(ticket):
    """The user id the ticket was minted for, once; `None` for an unknown, expired or used ticket."""
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "get_client"):  # django-redis
        raw = client.get_client(write=True).getdel(cache.make_key(_key(ticket)))
        return None if raw is None else client.decode(raw)
    user_id = cache.get(_key(ticket))
    cache.delete(_key(ticket))
    return user_id


def _key(ticket):
    return f"ws-ticket:{ticket}"
