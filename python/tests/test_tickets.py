"""Tickets: minted by the view, redeemed once, on every cache whose delete() says whether it deleted."""

import threading
from typing import Any, List

import pytest
from django.core.cache import caches
from django.test import override_settings
from rest_framework.test import APIClient

from authsocket_channels import tickets

from .conftest import jwt_for

FILE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "files": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": "/tmp/authsocket-tests-file-cache",
    },
}


@pytest.mark.django_db
def test_a_ticket_is_redeemed_once_and_only_in_its_shape(alice: Any) -> None:
    ticket, expires = tickets.mint(alice.pk)
    assert len(ticket) == 32 and expires > 0
    assert tickets.redeem("short") is None
    assert tickets.redeem(ticket + "!") is None
    assert tickets.redeem(ticket) == alice.pk
    assert tickets.redeem(ticket) is None


def test_two_threads_redeeming_the_same_ticket_at_once_one_wins() -> None:
    """The file cache: get, then a delete that reports (across workers: test/interop/django/scale.test.ts)."""
    alias = "files"
    with override_settings(CACHES=FILE_CACHE):
        caches[alias].clear()
        winners: List[int] = []
        for _ in range(100):
            ticket, _ = tickets.mint("someone", alias)
            barrier = threading.Barrier(2)
            got: List[Any] = []

            def redeem() -> None:
                barrier.wait()
                got.append(tickets.redeem(ticket, alias))

            threads = [threading.Thread(target=redeem) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            winners.append(sum(1 for value in got if value == "someone"))
        assert winners == [1] * 100


@pytest.mark.django_db
def test_the_view_mints_for_a_bearer_jwt_and_refuses_anonymous(alice: Any) -> None:
    client = APIClient()
    assert client.post("/api/ws-ticket/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(alice)}")
    answer = client.post("/api/ws-ticket/").json()
    assert set(answer) == {"ticket", "expires"}
    assert tickets.redeem(answer["ticket"]) == alice.pk
    assert client.get("/api/ws-ticket/").status_code == 405


@pytest.mark.django_db
def test_the_view_with_a_session_wants_the_csrf_token(alice: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    refused = client.post("/api/ws-ticket/")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    client.get("/api/ws-ticket/")  # any response sets no cookie; fetch one the way a page gets it
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    accepted = client.post("/api/ws-ticket/", HTTP_X_CSRFTOKEN=_mask_cipher_secret(secret))
    assert accepted.status_code == 200 and accepted.json()["ticket"]
