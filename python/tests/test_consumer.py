"""The consumer's protocol: expiry and in-band re-authentication, permission, first-message mode,
Origin, and input it cannot read (the worker lives on, the socket gets an error or a close code)."""

import asyncio
import logging
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from authsocket_channels import tickets

from .conftest import jwt_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_expiry_is_enforced_with_a_401_frame_and_close_4001(connect: Any, alice: Any) -> None:
    token = await sync_to_async(jwt_for)(alice, 1)
    socket = await connect(f"/ws/echo/?token={token}")
    assert (await socket.status())[0] == 200
    assert await socket.status() == (401, {"detail": "Token expired"})
    assert await socket.closed(timeout=1) == 4001


async def test_in_band_reauthentication_moves_the_expiry(connect: Any, alice: Any) -> None:
    socket = await connect(f"/ws/echo/?token={await sync_to_async(jwt_for)(alice, 1)}")
    _, first = await socket.status()
    await socket.send(
        {"action": "authenticate", "payload": {"token": await sync_to_async(jwt_for)(alice, 60)}}
    )
    status, again = await socket.status()
    assert status == 200 and again["expires_at"] > first["expires_at"] + 30
    await asyncio.sleep(1.2)  # past the first token's expiry: nothing happens
    await socket.send({"n": 1})
    assert await socket.frame() == {"type": "echo", "data": {"n": 1}}


async def test_in_band_reauthentication_with_a_ticket(
    connect: Any, alice: Any, alice_jwt: str
) -> None:
    socket = await connect(f"/ws/echo/?token={alice_jwt}")
    await socket.status()
    ticket, _ = await sync_to_async(tickets.mint)(alice.pk)
    await socket.send({"action": "authenticate", "payload": {"ticket": ticket}})
    assert (await socket.status())[0] == 200


@pytest.mark.parametrize("payload", [{"token": "bad"}, {"ticket": "A" * 32}, {}, "token", None])
async def test_a_refused_reauthentication_closes_4001(
    connect: Any, alice_jwt: str, payload: Any
) -> None:
    socket = await connect(f"/ws/echo/?token={alice_jwt}")
    await socket.status()
    await socket.send({"action": "authenticate", "payload": payload})
    assert (await socket.status())[0] == 401
    assert await socket.closed() == 4001


async def test_reauthentication_as_another_user_is_refused(
    connect: Any, alice_jwt: str, bob_jwt: str
) -> None:
    socket = await connect(f"/ws/echo/?token={alice_jwt}")
    await socket.status()
    await socket.send({"action": "authenticate", "payload": {"token": bob_jwt}})
    assert await socket.status() == (401, {"detail": "The new credential is another user's."})
    assert await socket.closed() == 4001


async def test_a_consumer_without_reauth_says_so_and_stays_open(
    connect: Any, alice_jwt: str
) -> None:
    socket = await connect(f"/ws/no-reauth/?token={alice_jwt}")
    assert (await socket.status())[1]["reauth"] is False
    await socket.send({"action": "authenticate", "payload": {"token": alice_jwt}})
    assert (await socket.frame())["type"] == "error"


async def test_forbidden_gets_a_403_frame_with_the_detail_and_close_4003(
    connect: Any, alice_jwt: str
) -> None:
    socket = await connect(f"/ws/rooms/staff/?token={alice_jwt}")
    assert await socket.status() == (403, {"detail": "You may not join this room"})
    assert await socket.closed() == 4003
    closed = await connect(f"/ws/rooms/closed/?token={alice_jwt}")
    assert await closed.status() == (
        403,
        {"detail": "You do not have permission to perform this action."},
    )
    open_room = await connect(f"/ws/rooms/lobby/?token={alice_jwt}")
    assert (await open_room.status())[0] == 200


async def test_first_message_accepts_the_protocol_frame_and_the_tutorial_frame(
    connect: Any, alice_jwt: str, alice_drf: str
) -> None:
    socket = await connect("/ws/first/")
    await socket.send({"action": "authenticate", "payload": {"token": alice_jwt}})
    status, data = await socket.status()
    assert status == 200 and data["expires_at"]
    tutorial = await connect("/ws/first/")
    await tutorial.send({"token": alice_drf})
    assert (await tutorial.status())[0] == 200


@pytest.mark.parametrize("first", [{"token": "bad"}, {"type": "chat"}, [1, 2]])
async def test_first_message_refuses_anything_else_with_4001(connect: Any, first: Any) -> None:
    socket = await connect("/ws/first/")
    await socket.send(first)
    assert (await socket.status())[0] == 401
    assert await socket.closed() == 4001


async def test_first_message_closes_4008_when_nothing_comes_in_time(connect: Any) -> None:
    socket = await connect("/ws/first/")
    assert (
        await socket.closed(timeout=2) == 4008
    )  # FIRST_MESSAGE_TIMEOUT is 0.5 s in tests/settings.py


async def test_a_foreign_origin_gets_a_403_frame_and_4003(connect: Any, alice_jwt: str) -> None:
    socket = await connect(
        f"/ws/echo/?token={alice_jwt}", headers=[(b"origin", b"https://evil.example")], origin=False
    )
    assert await socket.status() == (403, {"detail": "Origin https://evil.example is not allowed."})
    assert await socket.closed() == 4003


async def test_no_origin_is_refused_for_a_cookie_and_allowed_for_a_token(
    connect: Any, alice_jwt: str
) -> None:
    by_cookie = await connect(
        "/ws/echo/", headers=[(b"cookie", f"JWT={alice_jwt}".encode())], origin=False
    )
    assert (await by_cookie.status())[0] == 403
    by_token = await connect(f"/ws/echo/?token={alice_jwt}", origin=False)
    assert (await by_token.status())[0] == 200


JUNK = [
    ("not json", {"type": "error", "detail": "Frames must be JSON"}),
    ('{"a": ', {"type": "error", "detail": "Frames must be JSON"}),
    ("[" * 60000, {"type": "error", "detail": "Frames must be JSON"}),
    ("[" * 40 + "]" * 40, {"type": "error", "detail": "Frames may nest at most 32 levels"}),
    ("1" * 5000, {"type": "error", "detail": "Frames must be JSON"}),
    ("[1, 2]", {"type": "error", "detail": "Frames must be JSON objects"}),
    ('"text"', {"type": "error", "detail": "Frames must be JSON objects"}),
    ("null", {"type": "error", "detail": "Frames must be JSON objects"}),
    ('{"__proto__": {"admin": true}}', {"type": "echo", "data": {"__proto__": {"admin": True}}}),
    ('{"action": "no-such-action"}', {"type": "echo", "data": {"action": "no-such-action"}}),
    ("", {"type": "error", "detail": "Frames must be JSON"}),
]


@pytest.mark.parametrize("text, answer", JUNK, ids=[str(i) for i in range(len(JUNK))])
async def test_junk_gets_an_answer_and_the_socket_lives_on(
    connect: Any, alice_jwt: str, text: str, answer: Any, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    socket = await connect(f"/ws/echo/?token={alice_jwt}")
    await socket.status()
    await socket.communicator.send_input({"type": "websocket.receive", "text": text})
    assert await socket.frame() == answer
    await socket.send({"still": "here"})
    assert await socket.frame() == {"type": "echo", "data": {"still": "here"}}
    assert alice_jwt not in caplog.text


async def test_binary_frames_get_an_error_frame(connect: Any, alice_jwt: str) -> None:
    socket = await connect(f"/ws/echo/?token={alice_jwt}")
    await socket.status()
    await socket.communicator.send_to(bytes_data=b"\xff\xfe\x00junk")
    assert await socket.frame() == {
        "type": "error",
        "detail": "Binary frames are not accepted: send JSON text",
    }


async def test_a_frame_over_the_limit_gets_an_error_frame_and_closes_4009(
    connect: Any, alice_jwt: str
) -> None:
    socket = await connect(f"/ws/echo/?token={alice_jwt}")
    await socket.status()
    await socket.communicator.send_to(text_data='{"x": "' + "é" * 40000 + '"}')  # 80 kB
    assert await socket.frame() == {"type": "error", "detail": "Frames may be at most 65536 bytes"}
    assert await socket.closed() == 4009


async def test_frames_before_authentication_are_not_processed(connect: Any) -> None:
    socket = await connect("/ws/first/")
    await socket.communicator.send_to(text_data="not json")
    assert await socket.frame() == {"type": "error", "detail": "Frames must be JSON"}
    await socket.send({"type": "chat"})
    assert (await socket.status())[0] == 401  # the first JSON frame did not authenticate


async def test_authenticated_groups_are_joined_once_admitted_and_left_on_disconnect(
    connect: Any, alice_jwt: str
) -> None:
    from channels.layers import get_channel_layer

    refused = await connect("/ws/lobby/?token=not-a-token")
    assert (await refused.status())[0] == 401
    member = await connect(f"/ws/lobby/?token={alice_jwt}")
    await member.status()
    other = await connect(f"/ws/lobby/?token={alice_jwt}")
    await other.status()
    await member.send({"text": "hi"})
    assert await member.frame() == {"type": "lobby", "data": {"text": "hi"}}
    assert await other.frame() == {"type": "lobby", "data": {"text": "hi"}}
    assert await refused.closed() == 4001
    assert await refused.communicator.receive_nothing()  # a refused socket never joined
    await other.communicator.disconnect()
    layer = get_channel_layer()
    assert len(layer.groups["lobby"]) == 1


async def test_close_and_retry_after_tells_the_client_when_to_come_back(
    connect: Any, alice_jwt: str
) -> None:
    socket = await connect(f"/ws/echo/?token={alice_jwt}")
    await socket.status()
    await socket.send({"type": "leave"})
    assert await socket.frame() == {"action": "retry", "after": 5000, "jitter": 5000}
    assert await socket.closed() == 1000
