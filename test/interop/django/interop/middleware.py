"""Channels middlewares: one per way a credential reaches the server (the patterns of the common Channels tutorials)."""
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser, User
from rest_framework.authtoken.models import Token
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from . import tickets


@database_sync_to_async
def user_for_drf_token(key):
    try:
        return Token.objects.select_related("user").get(key=key).user
    except Token.DoesNotExist:
        return AnonymousUser()


@database_sync_to_async
def user_for_jwt(raw):
    """Returns (user, exp) for a valid simplejwt access token, else (AnonymousUser, None)."""
    try:
        token = AccessToken(raw)
        return User.objects.get(id=token["user_id"]), token["exp"]
    except (TokenError, User.DoesNotExist, KeyError):
        return AnonymousUser(), None


@database_sync_to_async
def user_by_id(user_id):
    try:
        return User.objects.get(id=user_id)
    except User.DoesNotExist:
        return AnonymousUser()


def query(scope, name):
    return parse_qs(scope.get("query_string", b"").decode()).get(name, [None])[0]


def header(scope, name):
    for key, value in scope.get("headers", []):
        if key.decode().lower() == name:
            return value.decode()
    return None


def cookie(scope, name):
    for part in (header(scope, "cookie") or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


class _Middleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        scope["user"], scope["token_exp"] = await self.resolve(scope)
        return await self.inner(scope, receive, send)


class DrfTokenQueryMiddleware(_Middleware):
    """`?token=<DRF token>`: the TokenAuthMiddleware of the common Channels tutorials."""

    async def resolve(self, scope):
        key = query(scope, "token")
        return (await user_for_drf_token(key) if key else AnonymousUser()), None


class DrfTokenHeaderMiddleware(_Middleware):
    """`Authorization: Token <key>`: only non-browser clients can send it."""

    async def resolve(self, scope):
        value = header(scope, "authorization") or ""
        scheme, _, key = value.partition(" ")
        return (
            await user_for_drf_token(key) if scheme.lower() == "token" and key else AnonymousUser()
        ), None


class JwtQueryMiddleware(_Middleware):
    """`?token=<simplejwt access token>`; the consumer enforces its `exp` while connected."""

    async def resolve(self, scope):
        raw = query(scope, "token")
        return await user_for_jwt(raw) if raw else (AnonymousUser(), None)


class JwtCookieMiddleware(_Middleware):
    """A JWT in the `JWT` cookie (the seed's JWT_AUTH_COOKIE)."""

    async def resolve(self, scope):
        raw = cookie(scope, "JWT")
        return await user_for_jwt(raw) if raw else (AnonymousUser(), None)


class TicketMiddleware(_Middleware):
    """`?ticket=<t>`: single use, gone from the cache the moment it is presented (tickets.py)."""

    async def resolve(self, scope):
        ticket = query(scope, "ticket")
        user_id = tickets.redeem(ticket) if ticket else None
        return (await user_by_id(user_id) if user_id else AnonymousUser()), None
