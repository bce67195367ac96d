from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from . import views

urlpatterns = [
    path("api/token/", obtain_auth_token),  # DRF: POST username/password -> {"token": key}
    path("api/jwt/", views.jwt_login),
    path("api/jwt-pair/", views.jwt_pair),
    path("api/jwt-refresh/", views.jwt_refresh),
    path("api/jwt-refresh-grace/", views.jwt_refresh_grace),
    path("api/session/", views.session_login),
    path("api/jwt-cookie/", views.jwt_cookie_login),
    path("api/ws-ticket/", views.ws_ticket),
    path("page/", views.page),
    path("sdk.js", views.sdk),
    path("health", views.health),
]
