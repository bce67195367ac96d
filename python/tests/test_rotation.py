"""Refresh-token rotation: a refresh token works once; with a grace, a spent one gets the same pair again."""

from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from authsocket_channels import rotation

pytestmark = pytest.mark.django_db


def test_a_refresh_token_works_once(alice: Any) -> None:
    refresh = str(RefreshToken.for_user(alice))
    status, pair = rotation.rotate(refresh)
    assert status == 200 and set(pair) == {"access", "refresh", "exp"}
    assert rotation.rotate(refresh) == (
        401,
        {"detail": "Token is blacklisted", "code": "token_not_valid"},
    )
    assert rotation.rotate(pair["refresh"])[0] == 200
    assert rotation.rotate(None)[0] == 400
    assert rotation.rotate("garbage")[0] == 401


@override_settings(AUTHSOCKET={"REFRESH_GRACE": 10})
def test_with_a_grace_a_spent_token_gets_the_same_pair(alice: Any) -> None:
    refresh = str(RefreshToken.for_user(alice))
    status, pair = rotation.rotate(refresh)
    assert rotation.rotate(refresh) == (200, pair)


def test_the_refresh_view(alice: Any) -> None:
    client = APIClient()
    refresh = str(RefreshToken.for_user(alice))
    assert client.post("/api/refresh/", {"refresh": refresh}, format="json").status_code == 200
    again = client.post("/api/refresh/", {"refresh": refresh}, format="json")
    assert again.status_code == 401 and again.json()["detail"] == "Token is blacklisted"
