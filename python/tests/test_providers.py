"""Every credential the client can send, accepted and refused, through `AuthSocketMiddlewareStack`
and `AuthSocketConsumer`: the 200 frame's contents, the 401 frame and close 4001."""

import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from authsocket_channels import tickets

from .conftest import bearer_protocol, jwt_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_query_jwt_is_accepted_with_user_expiry_server_time_and_reauth(
    connect: Any, alice: Any, alice_jwt: str
) -> None:
    socket = await connect(f"/ws/echo/?token={alice_jwt}")
    status, data = await socket.status()
    assert status == 200
    assert data["detail"] == "OK"
    assert data["user"] == {"id": str(alice.pk), "name": "alice"}
    assert data["reauth"] is True
    assert isinstance(data["expires_at"], int) and isinstance(data["server_time"], int)
    await socket.send({"hello": "there"})
    assert await socket.frame() == {"type": "echo", "data": {"hello": "there"}}


async def test_query_drf_token_is_accepted_without_expiry(connect: Any, alice_drf: str) -> None:
    socket = await connect(f"/ws/echo/?token={alice_drf}")
    status, data = await socket.status()
    assert status == 200 and "expires_at" not in data


@pytest.mark.parametrize("scheme", ["Bearer", "Token"])
async def test_authorization_header(
    connect: Any, alice_jwt: str, alice_drf: str, scheme: str
) -> None:
    token = alice_jwt if scheme == "Bearer" else alice_drf
    socket = await connect(
        "/ws/echo/", headers=[(b"authorization", f"{scheme} {token}".encode())], origin=False
    )
    assert (await socket.status())[0] == 200


async def test_jwt_cookie(connect: Any, alice_jwt: str) -> None:
    socket = await connect("/ws/echo/", headers=[(b"cookie", f"other=1; JWT={alice_jwt}".encode())])
    assert (await socket.status())[0] == 200


async def test_subprotocol_bearer_is_accepted_with_the_protocol_the_client_asked_for(
    connect: Any, alice_jwt: str
) -> None:
    socket = await connect("/ws/echo/", subprotocols=["authsocket.v1", bearer_protocol(alice_jwt)])
    assert socket.subprotocol == "authsocket.v1"
    assert (await socket.status())[0] == 200


async def test_session_cookie(connect: Any, alice: Any) -> None:
    client = Client()
    await sync_to_async(client.force_login)(alice)
    sessionid = client.cookies["sessionid"].value
    socket = await connect("/ws/echo/", headers=[(b"cookie", f"sessionid={sessionid}".encode())])
    status, data = await socket.status()
    assert status == 200 and data["user"]["name"] == "alice"


async def test_ticket_once(connect: Any, alice: Any) -> None:
    ticket, _ = await sync_to_async(tickets.mint)(alice.pk)
    first = await connect(f"/ws/echo/?ticket={ticket}")
    assert (await first.status())[0] == 200
    again = await connect(f"/ws/echo/?ticket={ticket}")
    assert await again.status() == (401, {"detail": "Invalid, expired or already used ticket."})
    assert await again.closed() == 4001


@pytest.mark.parametrize(
    "path, headers, subprotocols",
    [
        ("/ws/echo/?token=not-a-token", [], None),
        ("/ws/echo/", [(b"authorization", b"Bearer not-a-token")], None),
        ("/ws/echo/", [(b"cookie", b"JWT=not-a-token")], None),
        ("/ws/echo/", [], ["authsocket.v1", "authsocket.bearer.bm90LWEtdG9rZW4"]),
        ("/ws/echo/?ticket=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", [], None),
    ],
    ids=["query", "header", "cookie", "subprotocol", "ticket"],
)
async def test_a_bad_credential_gets_a_401_frame_and_close_4001(
    connect: Any, alice: Any, path: str, headers: Any, subprotocols: Any
) -> None:
    socket = await connect(path, headers=headers, subprotocols=subprotocols)
    status, data = await socket.status()
    assert status == 401 and "not-a-token" not in data["detail"]
    assert await socket.closed() == 4001


async def test_no_credential_at_all(connect: Any) -> None:
    socket = await connect("/ws/echo/")
    assert await socket.status() == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )
    assert await socket.closed() == 4001


async def test_an_expired_jwt_is_refused(connect: Any, alice: Any) -> None:
    expired = await sync_to_async(jwt_for)(alice, -60)
    socket = await connect(f"/ws/echo/?token={expired}")
    assert (await socket.status())[0] == 401
    assert await socket.closed() == 4001


async def test_an_inactive_user_is_refused(connect: Any, alice: Any, alice_jwt: str) -> None:
    alice.is_active = False
    await sync_to_async(alice.save)()
    socket = await connect(f"/ws/echo/?token={alice_jwt}")
    assert (await socket.status())[0] == 401


async def test_the_first_credential_present_decides(connect: Any, alice_jwt: str) -> None:
    """A bad subprotocol bearer is not rescued by a good query token: the client sent one credential."""
    socket = await connect(
        f"/ws/echo/?token={alice_jwt}", subprotocols=["authsocket.v1", "authsocket.bearer.YmFk"]
    )
    assert (await socket.status())[0] == 401


async def test_a_route_can_take_only_tickets(connect: Any, alice_jwt: str) -> None:
    socket = await connect(f"/ws/tickets-only/?token={alice_jwt}")
    assert (await socket.status())[0] == 401


async def test_a_custom_authenticator(connect: Any, alice: Any) -> None:
    from django.core import signing

    token = signing.dumps({"user": str(alice.pk), "exp": time.time() + 60}, salt="ws")
    socket = await connect(f"/ws/signed/?token={token}")
    status, data = await socket.status()
    assert status == 200 and data["user"]["name"] == "alice"
    assert abs(data["expires_at"] - (time.time() + 60)) < 5
    stale = signing.dumps({"user": str(alice.pk), "exp": time.time() - 1}, salt="ws")
    refused = await connect(f"/ws/signed/?token={stale}")
    assert (await refused.status())[0] == 401


async def test_an_authenticator_that_raises_refuses_and_logs_only_its_name(
    connect: Any, alice_jwt: str, caplog: Any
) -> None:
    from django.test import override_settings

    with override_settings(AUTHSOCKET={"AUTHENTICATORS": ["tests.test_providers.broken"]}):
        socket = await connect(f"/ws/echo/?token={alice_jwt}")
        assert await socket.status() == (401, {"detail": "Invalid token."})
    assert "broken raised RuntimeError" in caplog.text
    assert alice_jwt not in caplog.text


def broken(token: str) -> None:
    raise RuntimeError(f"cannot read {token}")


def credential_for(method: str, token: str) -> Any:
    """`(path suffix, headers, subprotocols)` that carry `token` the way `method` does."""
    return {
        "query": (f"?token={token}", [], None),
        "header": ("", [(b"authorization", f"Bearer {token}".encode())], None),
        "cookie": ("", [(b"cookie", f"JWT={token}".encode())], None),
        "subprotocol": ("", [], ["authsocket.v1", bearer_protocol(token)]),
    }[method]


METHODS = ["query", "header", "cookie", "subprotocol"]


@pytest.mark.parametrize("method", METHODS)
async def test_forbidden_for_every_credential(connect: Any, bob_jwt: str, method: str) -> None:
    suffix, headers, subprotocols = credential_for(method, bob_jwt)
    socket = await connect(f"/ws/rooms/staff/{suffix}", headers=headers, subprotocols=subprotocols)
    assert await socket.status() == (403, {"detail": "You may not join this room"})
    assert await socket.closed() == 4003


@pytest.mark.parametrize("method", METHODS)
async def test_expiry_is_enforced_for_every_credential_that_expires(
    connect: Any, alice: Any, method: str
) -> None:
    token = await sync_to_async(jwt_for)(alice, 1)
    suffix, headers, subprotocols = credential_for(method, token)
    socket = await connect(f"/ws/echo/{suffix}", headers=headers, subprotocols=subprotocols)
    assert (await socket.status())[0] == 200
    assert await socket.status() == (401, {"detail": "Token expired"})
    assert await socket.closed(timeout=1) == 4001


async def test_a_ticket_socket_is_forbidden_too(connect: Any, bob: Any) -> None:
    ticket, _ = await sync_to_async(tickets.mint)(bob.pk)
    socket = await connect(f"/ws/rooms/staff/?ticket={ticket}")
    assert (await socket.status())[0] == 403


def test_a_credential_never_shows_its_value() -> None:
    from authsocket_channels.credentials import Credential

    credential = Credential("query", "s3cr3t-token")
    assert "s3cr3t" not in repr(credential) and "s3cr3t" not in str(credential)
