import json
import os
import time
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import authenticate, login
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import FileResponse, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.authentication import TokenAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, UntypedToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from . import tickets

BUNDLE = Path(os.environ.get("SDK_BUNDLE", Path(__file__).resolve().parents[4] / "dist" / "authsocket.iife.min.js"))


def _credentials(request):
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = {}
    return body, authenticate(username=body.get("username"), password=body.get("password"))


def _access_token(request):
    """(user, access token, exp) for POSTed {username, password, ttl?}, or a 401 response."""
    body, user = _credentials(request)
    if user is None:
        return JsonResponse({"detail": "No active account found with the given credentials"}, status=401)
    token = AccessToken.for_user(user)
    if body.get("ttl"):
        token.set_exp(lifetime=timedelta(seconds=float(body["ttl"])))
    return user, str(token), token["exp"]


@csrf_exempt
def jwt_login(request):
    """POST {username, password, ttl?} -> {access, exp}: a simplejwt access token, `ttl` seconds if given."""
    issued = _access_token(request)
    if isinstance(issued, JsonResponse):
        return issued
    _, access, exp = issued
    return JsonResponse({"access": access, "exp": exp})


def _pair(refresh, ttl):
    """{access, refresh, exp}: the access token of `refresh`, living `ttl` seconds if given."""
    access = refresh.access_token
    if ttl:
        access.set_exp(lifetime=timedelta(seconds=float(ttl)))
    return {"access": str(access), "refresh": str(refresh), "exp": access["exp"]}


@csrf_exempt
def jwt_pair(request):
    """POST {username, password, ttl?} -> {access, refresh, exp}: simplejwt's token pair."""
    body, user = _credentials(request)
    if user is None:
        return JsonResponse({"detail": "No active account found with the given credentials"}, status=401)
    return JsonResponse(_pair(RefreshToken.for_user(user), body.get("ttl")))


#: Seconds a spent refresh token still gets the pair it was spent for (jwt_refresh_grace).
REFRESH_GRACE_SECONDS = 10


def _refresh(request, grace):
    """Rotation, simplejwt's recommended setting (ROTATE_REFRESH_TOKENS, BLACKLIST_AFTER_ROTATION):
    POST {refresh, ttl?} -> a new {access, refresh, exp}, and the refresh token presented is spent.

    simplejwt's own TokenRefreshSerializer checks the blacklist and then writes it, so one
    token sent to two workers at once passed at both (seen here in most rounds, simplejwt
    5.2.2). Here the blacklist row is written first: its unique constraint lets one through.
    With `grace`, a spent token presented again within that many seconds gets the same new pair
    (the answer to the first request may have been lost: its tab was closed, its network cut)."""
    body, _ = _credentials(request)
    if not isinstance(body.get("refresh"), str):
        return JsonResponse({"refresh": ["This field is required."]}, status=400)  # as simplejwt's serializer
    try:
        spent = RefreshToken(body["refresh"])
    except TokenError as error:
        try:
            again = cache.get(f"successor:{UntypedToken(body['refresh'])['jti']}") if grace else None
        except TokenError:
            again = None
        return JsonResponse(again) if again else JsonResponse({"detail": str(error), "code": "token_not_valid"}, status=401)
    try:
        with transaction.atomic():
            outstanding, _ = OutstandingToken.objects.get_or_create(jti=spent["jti"], defaults={"token": body["refresh"], "expires_at": datetime_from_epoch(spent["exp"])})
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:  # another request spent it first
        return JsonResponse({"detail": "Token is blacklisted", "code": "token_not_valid"}, status=401)
    pair = _pair(RefreshToken.for_user(User.objects.get(id=spent["user_id"])), body.get("ttl"))
    if grace:
        cache.set(f"successor:{spent['jti']}", pair, grace)
    if body.get("delay"):  # tests: a slow answer, after the token is spent
        time.sleep(min(float(body["delay"]), 5))
    return JsonResponse(pair)


@csrf_exempt
def jwt_refresh(request):
    """A spent refresh token gets simplejwt's 401 "Token is blacklisted", however soon."""
    return _refresh(request, grace=0)


@csrf_exempt
def jwt_refresh_grace(request):
    """A spent refresh token gets the same new pair again for REFRESH_GRACE_SECONDS."""
    return _refresh(request, grace=REFRESH_GRACE_SECONDS)


@csrf_exempt
def session_login(request):
    """POST {username, password} -> sessionid cookie (Django's own login)."""
    _, user = _credentials(request)
    if user is None:
        return JsonResponse({"detail": "Wrong username or password"}, status=401)
    login(request, user)
    return JsonResponse({"user": user.username})


@csrf_exempt
def jwt_cookie_login(request):
    """POST {username, password, ttl?} -> a JWT in the HttpOnly `JWT` cookie."""
    issued = _access_token(request)
    if isinstance(issued, JsonResponse):
        return issued
    user, access, exp = issued
    response = JsonResponse({"user": user.username, "exp": exp})
    response.set_cookie("JWT", access, httponly=True, samesite="Lax")
    return response


@api_view(["POST"])
@authentication_classes([TokenAuthentication, JWTAuthentication])
@permission_classes([IsAuthenticated])
def ws_ticket(request):
    """POST with `Authorization: Token <key>` or `Bearer <jwt>` -> a single-use ticket valid 30 s."""
    return Response({"ticket": tickets.mint(request.user.id), "expires": int(time.time()) + tickets.TICKET_SECONDS})


def page(request):
    """A page on this origin for the browser tests: it loads the SDK's IIFE bundle."""
    return HttpResponse('<!doctype html><meta charset="utf-8"><title>interop</title><script src="/sdk.js"></script><p>ready</p>')


def sdk(request):
    return FileResponse(open(BUNDLE, "rb"), content_type="text/javascript")


def health(request):
    return HttpResponse("ok")
