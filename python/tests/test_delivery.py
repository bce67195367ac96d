"""The delivery mixin: heartbeat, acknowledged sends, resume; bounded; a session is its user's."""

import asyncio
from typing import Any

import pytest
from django.test import override_settings

from authsocket_channels import delivery

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_200_frame_announces_heartbeat_acks_and_resume(
    connect: Any, alice_jwt: str
) -> None:
    socket = await connect(f"/ws/delivery/?token={alice_jwt}")
    _, data = await socket.status()
    assert data["heartbeat"] == {"interval": 25000, "timeout": 10000}
    assert data["ack"] is True and data["resume"] == {"epoch": delivery.EPOCH}
    await socket.send({"action": "ping"})
    assert await socket.frame() == {"action": "pong"}


async def test_numbered_messages_are_delivered_once_and_acknowledged(
    connect: Any, alice_jwt: str
) -> None:
    socket = await connect(f"/ws/delivery/?token={alice_jwt}")
    await socket.status()
    await socket.send({"action": "session", "id": "s1"})
    for seq in (1, 2, 2, 1, 3):
        await socket.send({"action": "message", "seq": seq, "data": {"n": seq}})
    frames = [await socket.frame() for _ in range(8)]
    echoes = [frame["data"]["n"] for frame in frames if frame.get("type") == "echo"]
    acks = [frame["seq"] for frame in frames if frame.get("action") == "ack"]
    assert echoes == [1, 2, 3]
    assert acks == [1, 2, 2, 2, 3]


async def test_resume_replays_what_was_missed_and_resync_when_it_cannot(
    connect: Any, alice_jwt: str
) -> None:
    first = await connect(f"/ws/delivery/?token={alice_jwt}")
    await first.status()
    await first.send(
        {"action": "session", "id": "r1", "resume": True, "epoch": delivery.EPOCH, "offset": 0}
    )
    await asyncio.sleep(0.05)
    for n in range(1, 4):
        await first.send({"action": "message", "seq": n, "data": {"n": n}})
    got = [await first.frame() for _ in range(6)]
    numbered = [frame for frame in got if frame.get("action") == "message"]
    assert [frame["offset"] for frame in numbered] == [1, 2, 3]
    await first.communicator.disconnect()
    again = await connect(f"/ws/delivery/?token={alice_jwt}")
    await again.status()
    await again.send(
        {"action": "session", "id": "r1", "resume": True, "epoch": delivery.EPOCH, "offset": 1}
    )
    replayed = [await again.frame() for _ in range(2)]
    assert [frame["offset"] for frame in replayed] == [2, 3]
    other = await connect(f"/ws/delivery/?token={alice_jwt}")
    await other.status()
    await other.send(
        {"action": "session", "id": "r1", "resume": True, "epoch": "another", "offset": 1}
    )
    assert await other.frame() == {"action": "resync", "epoch": delivery.EPOCH}


async def test_malformed_delivery_frames_get_error_frames(connect: Any, alice_jwt: str) -> None:
    socket = await connect(f"/ws/delivery/?token={alice_jwt}")
    await socket.status()
    await socket.send({"action": "message", "seq": 1, "data": {}})
    assert (await socket.frame())["detail"] == "A message frame comes after a session frame"
    for bad in (
        {"action": "session", "id": 5},
        {"action": "session", "id": "x" * 65},
        {"action": "session"},
    ):
        await socket.send(bad)
        assert (await socket.frame())[
            "detail"
        ] == "A session frame needs a string id of 1 to 64 characters"
    await socket.send({"action": "session", "id": "ok"})
    for bad_seq in ("1", 0, True, 1.5):
        await socket.send({"action": "message", "seq": bad_seq, "data": {}})
        assert (await socket.frame())["detail"] == "A message frame needs a whole number seq from 1"


@override_settings(
    AUTHSOCKET={
        "DELIVERY_RESUME_BUFFER": 10,
        "DELIVERY_RESUME_CHARS": 2000,
        "DELIVERY_MAX_SESSIONS": 5,
    }
)
async def test_sessions_and_buffers_are_bounded_and_a_session_is_its_users() -> None:
    by_count, by_size = delivery.Session(), delivery.Session()
    by_count.resume = by_size.resume = True
    for n in range(15):
        await by_count.push({"n": n})
    for _ in range(5):
        await by_size.push({"text": "y" * 600})
    assert len(by_count.buffer) == 10 and by_count.buffer[0][0] == 6
    assert by_size.chars <= 2000 and len(by_size.buffer) == 2
    delivery.SESSIONS.clear()
    for n in range(8):
        delivery.session_for(1, f"s{n}")
    assert len(delivery.SESSIONS) == 5
    assert delivery.session_for(1, "x") is not delivery.session_for(2, "x")
