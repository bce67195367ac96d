"""Refresh-token rotation with blacklisting (simplejwt's ROTATE_REFRESH_TOKENS and
BLACKLIST_AFTER_ROTATION): a refresh token is spent by its first use, on any number of workers.

simplejwt's own TokenRefreshSerializer checks the blacklist and then writes it, so one token sent
to two workers at once passed at both (seen in most rounds with simplejwt 5.2.2). Here the
blacklist row is written first, and its unique constraint lets one request through.

With `grace`, a spent token presented again within that many seconds gets the same new pair: the
answer to the first use can be lost (its tab closed, its network cut), and then every tab of the
user, left with the spent token, would be signed out.
"""
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, UntypedToken
from rest_framework_simplejwt.utils import datetime_from_epoch


def pair(refresh, lifetime=None):
    """{access, refresh, exp} for a refresh token; the access token lives `lifetime` seconds if given."""
    access = refresh.access_token
    if lifetime:
        access.set_exp(lifetime=timedelta(seconds=float(lifetime)))
    return {"access": str(access), "refresh": str(refresh), "exp": access["exp"]}


def rotate(token, grace=0, lifetime=None):
    """(status, body): 200 and a new pair for an unspent refresh token, else simplejwt's 400 or 401."""
    if not isinstance(token, str):
        return 400, {"refresh": ["This field is required."]}
    try:
        spent = RefreshToken(token)  # signature, expiry, and the blacklist
    except TokenError as error:
        try:
            again = cache.get(f"successor:{UntypedToken(token)['jti']}") if grace else None
        except TokenError:
            again = None
        return (200, again) if again else (401, {"detail": str(error), "code": "token_not_valid"})
    try:
        with transaction.atomic():
            outstanding, _ = OutstandingToken.objects.get_or_create(
                jti=spent["jti"],
                defaults={"token": token, "expires_at": datetime_from_epoch(spent["exp"])},
            )
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:  # another request spent it first
        return 401, {"detail": "Token is blacklisted", "code": "token_not_valid"}
    successor = pair(RefreshToken.for_user(User.objects.get(id=spent["user_id"])), lifetime)
    if grace:
        cache.set(f"successor:{spent['jti']}", successor, grace)
    return 200, successor
