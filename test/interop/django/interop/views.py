import json
import os
import time
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import authenticate, login
from django.http import FileResponse, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.authentication import TokenAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from . import rotation, tickets

BUNDLE = Path(
    os.environ.get(
        "SDK_BUNDLE", Path(__file__).resolve().parents[4] / "dist" / "authsocket.iife.min.js"
    )
)


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
        return JsonResponse(
            {"detail": "No active account found with the given credentials"}, status=401
        )
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


@csrf_exempt
def jwt_pair(request):
    """POST {username, password, ttl?} -> {access, refresh, exp}: simplejwt's token pair."""
    body, user = _credentials(request)
    if user is None:
        return JsonResponse(
            {"detail": "No active account found with the given credentials"}, status=401
        )
    return JsonResponse(rotation.pair(RefreshToken.for_user(user), body.get("ttl")))


def _refresh(request, grace):
    """POST {refresh, ttl?, delay?} -> rotation.rotate; `delay` (tests): seconds to wait, the token spent, before answering."""
    body, _ = _credentials(request)
    status, answer = rotation.rotate(body.get("refresh"), grace, body.get("ttl"))
    if status == 200 and body.get("delay"):
        time.sleep(min(float(body["delay"]), 5))
    return JsonResponse(answer, status=status)


@csrf_exempt
def jwt_refresh(request):
    """A spent refresh token gets simplejwt's 401 "Token is blacklisted", however soon."""
    return _refresh(request, grace=0)


@csrf_exempt
def jwt_refresh_grace(request):
    """A spent refresh token gets the same new pair again for 10 s."""
    return _refresh(request, grace=10)


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
    return Response(
        {
            "ticket": tickets.mint(request.user.id),
            "expires": int(time.time()) + tickets.TICKET_SECONDS,
        }
    )


def page(request):
    """A page on this origin for the browser tests: it loads the SDK's IIFE bundle."""
    return HttpResponse(
        '<!doctype html><meta charset="utf-8"><title>interop</title><script src="/sdk.js"></script><p>ready</p>'
    )


def sdk(request):
    return FileResponse(open(BUNDLE, "rb"), content_type="text/javascript")


def health(request):
    return HttpResponse("ok")
