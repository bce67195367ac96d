from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from authsocket_channels.views import TicketView

from . import views

urlpatterns = [
    path("api/token/", obtain_auth_token),  # DRF: POST username/password -> {"token": key}
    path("api/ws-ticket/", TicketView.as_view()),
    path("api/ws-ticket-files/", TicketView.as_view(ticket_cache="files")),
    path("api/jwt-refresh/", views.RefreshView.as_view(grace=0)),
    path("api/jwt-refresh-grace/", views.RefreshView.as_view(grace=10)),
    # The tests' sign-in helpers (an app has its own).
    path("api/jwt/", views.jwt_login),
    path("api/jwt-pair/", views.jwt_pair),
    path("api/session/", views.session_login),
    path("api/jwt-cookie/", views.jwt_cookie_login),
    path("page/", views.page),
    path("persist/", views.persist_page),
    path("assets/<str:name>", views.asset),
    path("test/stream/<str:action>/", views.stream_hook),
    path("sdk.js", views.sdk),
    path("health", views.health),
]
