"""The delivery mixin on the memory store: heartbeat, acknowledged sends, resume; bounded; a
session is its user's. (test_redis_store.py: the same across workers, on a real Redis.)"""

import asyncio
from typing import Any

import pytest
from django.test import override_settings

from authsocket_channels.delivery import MemoryStore, SessionKey, get_store

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_200_frame_announces_heartbeat_acks_and_resume(
    connect: Any, alice_jwt: str
) -> None:
    socket = await connect(f"/ws/delivery/?token={alice_jwt}")
    _, data = await socket.status()
    assert data["heartbeat"] == {"interval": 25000, "timeout": 10000}
    assert data["ack"] is True and data["resume"] == {"epoch": await get_store().epoch()}
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
    epoch = await get_store().epoch()
    first = await connect(f"/ws/delivery/?token={alice_jwt}")
    await first.status()
    await first.send({"action": "session", "id": "r1", "resume": True, "epoch": epoch, "offset": 0})
    await asyncio.sleep(0.05)
    for n in range(1, 4):
        await first.send({"action": "message", "seq": n, "data": {"n": n}})
    got = [await first.frame() for _ in range(6)]
    numbered = [frame for frame in got if frame.get("action") == "message"]
    assert [frame["offset"] for frame in numbered] == [1, 2, 3]
    await first.communicator.disconnect()
    again = await connect(f"/ws/delivery/?token={alice_jwt}")
    await again.status()
    await again.send({"action": "session", "id": "r1", "resume": True, "epoch": epoch, "offset": 1})
    replayed = [await again.frame() for _ in range(2)]
    assert [frame["offset"] for frame in replayed] == [2, 3]
    other = await connect(f"/ws/delivery/?token={alice_jwt}")
    await other.status()
    await other.send({"action": "session", "id": "r1", "resume": True, "epoch": "x", "offset": 1})
    assert await other.frame() == {"action": "resync", "epoch": epoch}


async def test_malformed_delivery_frames_get_error_frames(connect: Any, alice_jwt: str) -> None:
    socket = await connect(f"/ws/delivery/?token={alice_jwt}")
    await socket.status()
    await socket.send({"action": "message", "seq": 1, "data": {}})
    assert (await socket.frame())["detail"] == "A message frame comes after a session frame"
    bad_sessions: Any = ({"action": "session", "id": 5}, {"action": "session", "id": "x" * 65})
    for bad in bad_sessions + ({"action": "session"},):
        await socket.send(bad)
        detail = "A session frame needs a string id of 1 to 64 characters"
        assert (await socket.frame())["detail"] == detail
    await socket.send({"action": "session", "id": "ok"})
    for bad_seq in ("1", 0, True, 1.5):
        await socket.send({"action": "message", "seq": bad_seq, "data": {}})
        detail = "A message frame needs a whole number seq from 1"
        assert (await socket.frame())["detail"] == detail


@override_settings(
    AUTHSOCKET={
        "DELIVERY_RESUME_BUFFER": 10,
        "DELIVERY_RESUME_CHARS": 2000,
        "DELIVERY_MAX_SESSIONS": 5,
    }
)
async def test_memory_sessions_and_buffers_are_bounded_and_a_session_is_its_users() -> None:
    store = MemoryStore()
    by_count, by_size = SessionKey("1", "count"), SessionKey("1", "size")
    for key in (by_count, by_size):
        await store.open(key, True)
    for n in range(15):
        await store.push(by_count, {"n": n})
    for _ in range(5):
        await store.push(by_size, {"text": "y" * 600})
    kept = store.session(by_count).buffer
    assert len(kept) == 10 and kept[0][0] == 6
    assert store.session(by_size).chars <= 2000 and len(store.session(by_size).buffer) == 2
    assert await store.after(by_count, 4) is None  # 5 is no longer kept
    assert await store.after(by_count, 13) == (15, [kept[-2][1], kept[-1][1]])
    for n in range(8):
        store.session(SessionKey("1", f"s{n}"))
    assert len(store.sessions) == 5
    assert store.session(SessionKey("1", "x")) is not store.session(SessionKey("2", "x"))
