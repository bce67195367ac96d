"""Channels middleware that authenticates a WebSocket from whichever credential the client sent.

`AuthSocketMiddleware` reads the credentials of `AUTHSOCKET["CREDENTIALS"]` in order (the
subprotocol bearer, the `Authorization` header, `?ticket=`, `?token=`, the token cookie): the
first one present decides. It sets `scope["user"]` (the user, or `AnonymousUser` for a refused
credential) and `scope["authsocket"]` (an `AuthState`: how, until when, or why not), which
`AuthSocketConsumer` reads. The last method, `session`, is the user that Channels' session
middleware found: `AuthSocketMiddlewareStack` puts it outside, so a session cookie works too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterable, Optional, Sequence

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser

from . import tickets
from .authenticators import (
    AuthenticationFailed,
    Authenticator,
    Identity,
    authenticate_token,
    user_by_pk,
)
from .credentials import Credential, Scope, find_credential, methods_or_default

INVALID_TICKET = "Invalid, expired or already used ticket."

ASGIApp = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class AuthState:
    """What the middleware found: `method` (`subprotocol`, `header`, `ticket`, `query`,
    `cookie`, `session`, or `None`), the credential's expiry in unix seconds, and `error`, the
    refusal's detail when the credential was refused."""

    method: Optional[str] = None
    expires_at: Optional[float] = None
    error: Optional[str] = None


async def identify(
    credential: Credential,
    authenticators: Optional[Sequence[Authenticator]] = None,
    ticket_cache: Optional[str] = None,
) -> Identity:
    """The identity a credential stands for; `AuthenticationFailed` when it stands for none."""
    if credential.method == "ticket":
        # In a thread: the cache may be Django's database cache, which async code cannot use.
        user_pk = await database_sync_to_async(tickets.redeem)(credential.value, ticket_cache)
        user = await user_by_pk(user_pk) if user_pk is not None else None
        if user is None or not user.is_authenticated:
            raise AuthenticationFailed(INVALID_TICKET)
        return Identity(user)
    return await authenticate_token(credential.value, authenticators)


class AuthSocketMiddleware(BaseMiddleware):
    """Authenticates WebSocket scopes; other scopes pass through untouched.

    `credentials` narrows where to look (e.g. `["ticket"]` for a route that takes only tickets),
    `authenticators` replaces `AUTHSOCKET["AUTHENTICATORS"]` and `ticket_cache` the ticket
    cache alias, for this route.
    """

    def __init__(
        self,
        inner: ASGIApp,
        credentials: Optional[Iterable[str]] = None,
        authenticators: Optional[Sequence[Authenticator]] = None,
        ticket_cache: Optional[str] = None,
    ) -> None:
        super().__init__(inner)
        self.methods = None if credentials is None else methods_or_default(credentials)
        self.authenticators = authenticators
        self.ticket_cache = ticket_cache

    async def resolve(self, scope: Scope) -> Scope:
        methods = methods_or_default(self.methods)
        credential = find_credential(scope, methods)
        scope = dict(scope)
        if credential is None:
            user = scope.get("user")
            if "session" in methods and self._is_session_user(scope, user):
                scope["authsocket"] = AuthState(method="session")
            else:
                scope["user"] = AnonymousUser()
                scope["authsocket"] = AuthState()
            return scope
        try:
            identity = await identify(credential, self.authenticators, self.ticket_cache)
        except AuthenticationFailed as refusal:
            scope["user"] = AnonymousUser()
            scope["authsocket"] = AuthState(method=credential.method, error=refusal.detail)
            return scope
        scope["user"] = identity.user
        scope["authsocket"] = AuthState(method=credential.method, expires_at=identity.expires_at)
        return scope

    @staticmethod
    def _is_session_user(scope: Scope, user: Any) -> bool:
        """Whether `user` is what Channels' session middleware found, not what an outer
        `AuthSocketMiddleware` found from another credential."""
        if user is None or not user.is_authenticated:
            return False
        outer = scope.get("authsocket")
        return not isinstance(outer, AuthState) or outer.method in (None, "session")

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> Any:
        if scope.get("type") == "websocket":
            scope = await self.resolve(scope)
        return await self.inner(scope, receive, send)


def AuthSocketMiddlewareStack(inner: ASGIApp, **options: Any) -> ASGIApp:
    """Channels' session authentication (`AuthMiddlewareStack`) around `AuthSocketMiddleware`:
    every credential of the client, the session cookie included."""
    return AuthMiddlewareStack(AuthSocketMiddleware(inner, **options))
