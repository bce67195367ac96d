"""Turning a token into a user: `authenticate(token) -> (user, expires_at)` callables.

An authenticator returns `(user, expires_at)` for a token it accepts, `expires_at` in unix
seconds (or a `datetime`, or `None` when the token does not expire), and `None` for a token it
does not accept. It may also raise `AuthenticationFailed`. It may be sync (it then runs in a
thread, as Django's ORM needs) or `async`. `AUTHSOCKET["AUTHENTICATORS"]` lists them in order.

Every refusal reads `Invalid token.`: nothing the token held, nor the authenticator's own
exception text, reaches the client or a log line.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Awaitable, Callable, Optional, Sequence, Tuple, Union

from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from .settings import authsocket_settings

logger = logging.getLogger("authsocket_channels")

ExpiresAt = Union[float, int, datetime, None]
Authenticated = Tuple[Any, ExpiresAt]
Authenticator = Callable[[str], Union[Optional[Authenticated], Awaitable[Optional[Authenticated]]]]

INVALID_TOKEN = "Invalid token."


class AuthenticationFailed(Exception):
    """Raised by an authenticator to refuse a token; `detail` goes to the client, so keep it free of the token."""

    def __init__(self, detail: str = INVALID_TOKEN) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Identity:
    """Who a credential belongs to, and until when (unix seconds; `None`: no expiry)."""

    user: Any
    expires_at: Optional[float] = None


def seconds(expires_at: ExpiresAt) -> Optional[float]:
    if expires_at is None:
        return None
    if isinstance(expires_at, datetime):
        return expires_at.timestamp()
    return float(expires_at)


def simplejwt_access_token(token: str) -> Optional[Authenticated]:
    """A simplejwt access token (its `AUTH_TOKEN_CLASSES`, `USER_ID_CLAIM`, active users only)."""
    from rest_framework.exceptions import AuthenticationFailed as DrfAuthenticationFailed
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

    authentication = JWTAuthentication()
    try:
        validated = authentication.get_validated_token(token)
        user = authentication.get_user(validated)
    except (InvalidToken, TokenError, DrfAuthenticationFailed):
        return None
    return user, validated.get("exp")


def drf_token(token: str) -> Optional[Authenticated]:
    """A DRF `authtoken` key (its `Token` model, active users only). DRF tokens do not expire.
    Without `rest_framework.authtoken` installed it takes no token."""
    from django.apps import apps

    if not apps.is_installed("rest_framework.authtoken"):
        return None
    from rest_framework.authentication import TokenAuthentication
    from rest_framework.exceptions import AuthenticationFailed as DrfAuthenticationFailed

    if len(token) > 256:
        return None
    try:
        user, _ = TokenAuthentication().authenticate_credentials(token)
    except DrfAuthenticationFailed:
        return None
    return user, None


async def call_authenticator(authenticator: Authenticator, token: str) -> Optional[Authenticated]:
    if asyncio.iscoroutinefunction(authenticator):
        return await authenticator(token)
    return await database_sync_to_async(authenticator)(token)


async def authenticate_token(
    token: str, authenticators: Optional[Sequence[Authenticator]] = None
) -> Identity:
    """The identity of the first authenticator that accepts `token`; `AuthenticationFailed` if none does."""
    for authenticator in authenticators or authsocket_settings.AUTHENTICATORS:
        try:
            result = await call_authenticator(authenticator, token)
        except AuthenticationFailed:
            raise
        except Exception as error:  # a broken authenticator refuses, and says which, not what
            logger.error(
                "authsocket: authenticator %s raised %s; the token was refused.",
                getattr(authenticator, "__qualname__", authenticator),
                type(error).__name__,
            )
            raise AuthenticationFailed() from None
        if result is None:
            continue
        user, expires_at = result
        if user is None or not getattr(user, "is_authenticated", False):
            continue
        return Identity(user, seconds(expires_at))
    raise AuthenticationFailed()


@database_sync_to_async
def user_by_pk(pk: Any) -> Any:
    """The active user with primary key `pk` (`get_user_model()`), else `AnonymousUser`."""
    model = get_user_model()
    try:
        user = model._default_manager.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        return AnonymousUser()
    return user if getattr(user, "is_active", True) else AnonymousUser()
