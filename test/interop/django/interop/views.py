import json
import os
import re
import time
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import authenticate, login
from django.http import FileResponse, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.views.decorators.csrf import csrf_exempt
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from authsocket_channels import rotation, views

from . import consumers

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


class RefreshView(views.RefreshView):
    """The package's rotation, with the tests' hooks: `ttl`, the new access token's seconds, and
    `delay`, seconds to wait (the token already spent) before answering."""

    def get_lifetime(self, request):
        return request.data.get("ttl")

    def post(self, request):
        response = super().post(request)
        delay = request.data.get("delay")
        if response.status_code == 200 and delay:
            time.sleep(min(float(delay), 5))
        return response


@csrf_exempt
def session_login(request):
    """POST {username, password} -> sessionid cookie (Django's own login)."""
    _, user = _credentials(request)
    if user is None:
        return JsonResponse({"detail": "Wrong username or password"}, status=401)
    login(request, user)
    get_token(request)  # the csrftoken cookie, which a session's ticket fetch sends back
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


def page(request):
    """A page on this origin for the browser tests: it loads the SDK's IIFE bundle."""
    return HttpResponse(
        '<!doctype html><meta charset="utf-8"><title>interop</title><script src="/sdk.js"></script><p>ready</p>'
    )


def sdk(request):
    return FileResponse(open(BUNDLE, "rb"), content_type="text/javascript")


DEMO = Path(__file__).resolve().parents[4] / "demo" / "dist"


def persist_page(request):
    """The demo's page with the opt-in persistent outbox (demo/web/persist.html, built)."""
    return FileResponse(open(DEMO / "persist.html", "rb"), content_type="text/html")


def asset(request, name):
    """The built demo's assets (names from vite: letters, digits, dots, dashes)."""
    path = DEMO / "assets" / name
    if not re.fullmatch(r"[A-Za-z0-9._-]+", name) or not path.is_file():
        return HttpResponse(status=404)
    kind = "text/css" if name.endswith(".css") else "text/javascript"
    return FileResponse(open(path, "rb"), content_type=kind)


async def stream_hook(request, action):
    """Test hooks of StreamConsumer: `stats`, `reset`, `pause` (refuse new sockets), `resume`,
    `drop` (close every live one: 1000 from the server, which the client takes as a drop),
    `slow-acks` (each ack 1.5 s late)."""
    if action == "stats":
        return JsonResponse({"streams": consumers.STREAMS})
    if action == "reset":
        consumers.STREAMS.clear()
        consumers.PAUSED[0] = False
        consumers.ACK_DELAY[0] = 0.0
    elif action == "slow-acks":
        consumers.ACK_DELAY[0] = 1.5
    elif action == "pause":
        consumers.PAUSED[0] = True
    elif action == "resume":
        consumers.PAUSED[0] = False
    elif action == "drop":
        for consumer in list(consumers.LIVE):
            await consumer.close(code=1000)
    else:
        return HttpResponse(status=404)
    return JsonResponse({"ok": True})


# Django's csrf_exempt (3.2, 4.2) wraps a view in a sync function; the attribute alone is what
# the middleware reads.
stream_hook.csrf_exempt = True  # type: ignore[attr-defined]


def health(request):
    return HttpResponse("ok")
