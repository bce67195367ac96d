"""The system checks refuse what cannot work, at start-up."""

from typing import List

from django.core.checks import CheckMessage
from django.test import override_settings

from authsocket_channels.checks import check_authsocket_settings


def ids(messages: List[CheckMessage]) -> List[str]:
    return [message.id for message in messages]


def test_the_test_settings_pass_with_a_warning_for_the_local_memory_cache() -> None:
    assert ids(check_authsocket_settings()) == ["authsocket.W001"]


@override_settings(
    AUTHSOCKET={"TICKET_TLL": 30, "REAUTH": "yes", "MAX_FRAME_BYTES": 1.5, "QUERY_PARAM": None}
)
def test_unknown_keys_and_wrong_types() -> None:
    messages = check_authsocket_settings()
    assert ids(messages)[:4] == [
        "authsocket.E002",
        "authsocket.E003",
        "authsocket.E003",
        "authsocket.E003",
    ]
    assert messages[0].hint == "Did you mean TICKET_TTL?"
    assert "REAUTH" in messages[1].msg and "bool" in messages[1].msg


@override_settings(AUTHSOCKET=["not", "a", "dict"])
def test_not_a_dict() -> None:
    assert ids(check_authsocket_settings()) == ["authsocket.E001"]


@override_settings(
    AUTHSOCKET={
        "AUTHENTICATORS": ["no.such.module.authenticate"],
        "CREDENTIALS": ["query", "carrier-pigeon"],
        "HEARTBEAT": {"interval": 10, "timeout": 10000},
        "TICKET_TTL": 0,
    }
)
def test_values_that_cannot_work() -> None:
    assert ids(check_authsocket_settings()) == [
        "authsocket.E004",
        "authsocket.E005",
        "authsocket.E006",
        "authsocket.E007",
        "authsocket.W001",
    ]


@override_settings(AUTHSOCKET={"TICKET_CACHE": "tickets"})
def test_a_ticket_cache_that_is_not_configured() -> None:
    assert ids(check_authsocket_settings()) == ["authsocket.E010"]


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
def test_a_dummy_ticket_cache() -> None:
    assert ids(check_authsocket_settings()) == ["authsocket.E011"]


@override_settings(
    CACHES={
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
)
def test_django_redis_passes() -> None:
    assert ids(check_authsocket_settings()) == []
