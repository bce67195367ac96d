"""HTTP views for the client's helpers: single-use tickets (`ticket()`) and refresh-token rotation.

Both are DRF views. The ticket view authenticates with DRF's `DEFAULT_AUTHENTICATION_CLASSES`
(or the ones you give it): a Bearer JWT, a DRF token, or the session cookie. With the session,
DRF's `SessionAuthentication` enforces CSRF, so the client sends Django's CSRF token:
`ticket({ endpoint: '/api/ws-ticket/', headers: () => ({ 'X-CSRFToken': csrfToken() }) })`.
"""

from __future__ import annotations

from typing import Any, Optional

from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import rotation, tickets


class TicketView(APIView):
    """`POST` -> `{"ticket": "<single use>", "expires": <unix s>}` for the authenticated user."""

    permission_classes = [IsAuthenticated]
    #: The cache alias to mint into; `None` reads `AUTHSOCKET["TICKET_CACHE"]`.
    ticket_cache: Any = None

    def post(self, request: Request) -> Response:
        ticket, expires = tickets.mint(request.user.pk, self.ticket_cache)
        return Response({"ticket": ticket, "expires": expires})


class RefreshView(APIView):
    """`POST {"refresh": "<token>"}` -> a new `{access, refresh, exp}`; a refresh token works once
    (`rotation.rotate`), with `AUTHSOCKET["REFRESH_GRACE"]` unless `grace` is set here."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    grace: Any = None

    def post(self, request: Request) -> Response:
        token = request.data.get("refresh") if hasattr(request.data, "get") else None
        code, body = rotation.rotate(token, self.grace, self.get_lifetime(request))
        return Response(body, status=code)

    def get_lifetime(self, request: Request) -> Optional[float]:
        """The new access token's lifetime in seconds; `None`: simplejwt's `ACCESS_TOKEN_LIFETIME`."""
        return None
