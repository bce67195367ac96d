"""Refresh-token rotation with blacklisting for simplejwt: a refresh token is spent by its first use, on any number of workers.

With simplejwt's `ROTATE_REFRESH_TOKENS` and `BLACKLIST_AFTER_ROTATION` (and its
`token_blacklist` app installed), its own `TokenRefreshSerializer` checks the blacklist and then
writes it: one token sent to two workers at once passed at both (seen in most rounds with
simplejwt 5.2.2). Here the blacklist row is written first, and its unique constraint lets one
request through.

With a grace (`AUTHSOCKET["REFRESH_GRACE"]` seconds), a spent token presented again within it
gets the same new pair: the answer to the first use can be lost (its tab closed, its network
cut), and then every tab of the user, left with the spent token, would be signed out. The grace
lets a stolen refresh token be replayed for those seconds: keep it short.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, Optional, Tuple

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction

from .settings import authsocket_settings

Answer = Tuple[int, Dict[str, Any]]


def pair(refresh: Any, lifetime: Optional[float] = None) -> Dict[str, Any]:
    """`{access, refresh, exp}` for a refresh token; the access token lives `lifetime` seconds if given."""
    access = refresh.access_token
    if lifetime:
        access.set_exp(lifetime=timedelta(seconds=float(lifetime)))
    return {"access": str(access), "refresh": str(refresh), "exp": access["exp"]}


def _successor_key(jti: str) -> str:
    return f"authsocket:successor:{jti}"


def rotate(token: Any, grace: Optional[float] = None, lifetime: Optional[float] = None) -> Answer:
    """`(status, body)`: 200 and a new pair for an unspent refresh token, else simplejwt's 400 or 401."""
    from rest_framework_simplejwt.exceptions import TokenError
    from rest_framework_simplejwt.settings import api_settings as jwt_settings
    from rest_framework_simplejwt.token_blacklist.models import (
        BlacklistedToken,
        OutstandingToken,
    )
    from rest_framework_simplejwt.tokens import RefreshToken, UntypedToken
    from rest_framework_simplejwt.utils import datetime_from_epoch

    grace = authsocket_settings.REFRESH_GRACE if grace is None else grace
    if not isinstance(token, str) or not token:
        return 400, {"refresh": ["This field is required."]}
    try:
        spent = RefreshToken(token)  # signature, expiry, and the blacklist
    except TokenError as error:
        again = None
        if grace:
            try:
                again = cache.get(_successor_key(UntypedToken(token)["jti"]))
            except TokenError:
                again = None
        if again:
            return 200, again
        return 401, {"detail": str(error), "code": "token_not_valid"}
    try:
        with transaction.atomic():
            outstanding, _ = OutstandingToken.objects.get_or_create(
                jti=spent["jti"],
                defaults={"token": token, "expires_at": datetime_from_epoch(spent["exp"])},
            )
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:  # another request spent it first
        return 401, {"detail": "Token is blacklisted", "code": "token_not_valid"}
    model = get_user_model()
    try:
        user = model._default_manager.get(
            **{jwt_settings.USER_ID_FIELD: spent[jwt_settings.USER_ID_CLAIM]}
        )
    except model.DoesNotExist:
        return 401, {"detail": "User not found", "code": "user_not_found"}
    if not getattr(user, "is_active", True):
        return 401, {"detail": "User is inactive", "code": "user_inactive"}
    successor = pair(RefreshToken.for_user(user), lifetime)
    if grace:
        cache.set(_successor_key(spent["jti"]), successor, grace)
    return 200, successor
