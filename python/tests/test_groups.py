"""Group streams, on both stores: what a group sends while a member is away, the member gets when
it comes back (to another worker too), each message once and in order; a member away past the
group's log gets one `resync`; a publish is committed with the client message that made it."""

import asyncio
from typing import Any, AsyncIterator, Dict, List

import pytest
from django.test import override_settings

from authsocket_channels.delivery.store import forget_store, get_store

from .test_redis_store import redis_url  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["memory", "redis"])
async def store_name(request: Any, redis_url: str) -> AsyncIterator[str]:  # noqa: F811
    with override_settings(
        AUTHSOCKET={"DELIVERY_STORE": request.param, "REDIS_URL": redis_url, "GROUP_LOG_SIZE": 5}
    ):
        forget_store()
        if request.param == "redis":
            await get_store().redis.flushdb()  # type: ignore[attr-defined]
        yield request.param
    forget_store()


async def member(connect: Any, token: str, sid: str, offset: int = 0) -> Any:
    socket = await connect(f"/ws/stream/lobby/?token={token}")
    epoch = (await socket.status())[1]["resume"]["epoch"]
    await socket.send(
        {"action": "session", "id": sid, "resume": True, "epoch": epoch, "offset": offset}
    )
    await asyncio.sleep(0.05)  # the session frame is in
    return socket


async def messages(socket: Any, count: int) -> List[Dict[str, Any]]:
    """The next `count` numbered messages (acks skipped)."""
    got: List[Dict[str, Any]] = []
    while len(got) < count:
        frame = await socket.frame()
        if frame.get("action") in ("message", "resync"):
            got.append(frame)
    return got


async def test_a_member_away_gets_what_its_room_sent_meanwhile_once_in_order(
    store_name: str, connect: Any, alice_jwt: str, bob_jwt: str
) -> None:
    talker = await member(connect, alice_jwt, "talker")
    away = await member(connect, bob_jwt, "away")
    for n in (1, 2):
        await talker.send({"action": "message", "seq": n, "data": {"n": n}})
    first = await messages(away, 2)
    assert [(m["offset"], m["data"]["n"]) for m in first] == [(1, 1), (2, 2)]
    await away.communicator.disconnect()
    for n in (3, 4, 5):
        await talker.send({"action": "message", "seq": n, "data": {"n": n}})
    assert [m["data"]["n"] for m in await messages(talker, 5)] == [1, 2, 3, 4, 5]
    if store_name == "redis":
        forget_store()  # it comes back to another worker
    back = await member(connect, bob_jwt, "away", offset=2)
    assert [(m["offset"], m["data"]) for m in await messages(back, 3)] == [
        (3, {"from": "alice", "n": 3}),
        (4, {"from": "alice", "n": 4}),
        (5, {"from": "alice", "n": 5}),
    ]
    await talker.send({"action": "message", "seq": 6, "data": {"n": 6}})
    assert [(m["offset"], m["data"]["n"]) for m in await messages(back, 1)] == [(6, 6)]
    assert await back.communicator.receive_nothing(0.2)


async def test_a_member_away_past_the_log_gets_one_resync(
    store_name: str, connect: Any, alice_jwt: str, bob_jwt: str
) -> None:
    talker = await member(connect, alice_jwt, "talker")
    away = await member(connect, bob_jwt, "long-away")
    await away.communicator.disconnect()
    for n in range(1, 9):  # the log keeps 5
        await talker.send({"action": "message", "seq": n, "data": {"n": n}})
    await messages(talker, 8)
    back = await member(connect, bob_jwt, "long-away")
    got = await messages(back, 1)
    assert got[0]["action"] == "resync"
    await talker.send({"action": "message", "seq": 9, "data": {"n": 9}})
    assert [m["data"]["n"] for m in await messages(back, 1)] == [9]
    assert await back.communicator.receive_nothing(0.2)  # one resync, nothing replayed twice


async def test_a_publish_is_committed_with_the_message_that_made_it(
    store_name: str, connect: Any, alice_jwt: str, bob_jwt: str
) -> None:
    from tests import app

    listener = await member(connect, bob_jwt, "listener")
    talker = await member(connect, alice_jwt, "crashing-talker")
    app.CRASH["at"] = "after"  # the worker dies after the application published
    await talker.send({"action": "message", "seq": 1, "data": {"n": 1}})
    with pytest.raises(RuntimeError, match="the worker died here"):
        await talker.frame()
    talker.crashed = True
    assert await listener.communicator.receive_nothing(0.2)  # nothing was published
    again = await member(connect, alice_jwt, "crashing-talker")
    await again.send({"action": "message", "seq": 1, "data": {"n": 1}})
    assert [m["data"] for m in await messages(listener, 1)] == [{"from": "alice", "n": 1}]
    await again.send({"action": "message", "seq": 1, "data": {"n": 1}})  # sent again: only acked
    assert await listener.communicator.receive_nothing(0.2)


async def test_news_a_member_has_had_costs_no_pull(
    store_name: str, connect: Any, alice_jwt: str, bob_jwt: str, monkeypatch: Any
) -> None:
    """A burst of publishes is one pull per member: the first pull copies all of it, and each
    announcement of an offset the member has had already is dropped without a store call."""
    from channels.layers import get_channel_layer

    from authsocket_channels.delivery.mixin import member_group

    talker = await member(connect, alice_jwt, "talker")
    listener = await member(connect, bob_jwt, "listener")
    for n in (1, 2, 3):
        await talker.send({"action": "message", "seq": n, "data": {"n": n}})
    assert [m["offset"] for m in await messages(listener, 3)] == [1, 2, 3]
    store = get_store()
    pulls: List[str] = []
    real_pull = store.pull

    async def counted_pull(key: Any, group: str) -> Any:
        pulls.append(key.sid)
        return await real_pull(key, group)

    monkeypatch.setattr(store, "pull", counted_pull)
    layer = get_channel_layer()
    event: Dict[str, Any] = {"type": "authsocket.group", "group": "room.lobby"}
    await layer.group_send(member_group("room.lobby"), {**event, "offset": 3})
    assert await listener.communicator.receive_nothing(0.2)
    assert pulls == []  # both sockets have had offset 3
    await layer.group_send(member_group("room.lobby"), {**event, "offset": 4})
    assert await listener.communicator.receive_nothing(0.2)
    assert sorted(pulls) == ["listener", "talker"]  # news they have not had: each pulls


async def test_news_the_channel_layer_lost_arrives_at_the_next_ping(
    store_name: str, connect: Any, alice_jwt: str, bob_jwt: str, monkeypatch: Any
) -> None:
    """Redis pub/sub keeps nothing while a worker resubscribes (after a Redis restart): an
    announcement lost then would leave a quiet room's last messages behind until the next
    message. The client pings after a silence, and the ping catches the socket up."""
    from authsocket_channels.delivery.mixin import DeliveryMixin

    talker = await member(connect, alice_jwt, "talker")
    listener = await member(connect, bob_jwt, "listener")

    async def lost(self: Any, group: str, newest: int) -> None:
        return None

    monkeypatch.setattr(DeliveryMixin, "announce", lost)
    await talker.send({"action": "message", "seq": 1, "data": {"n": 1}})
    assert await talker.frame() == {"action": "ack", "seq": 1}
    assert await listener.communicator.receive_nothing(0.2)  # the announcement was lost
    await listener.send({"action": "ping"})
    assert await listener.frame() == {"action": "pong"}
    [caught_up] = await messages(listener, 1)
    assert (caught_up["offset"], caught_up["data"]) == (1, {"from": "alice", "n": 1})
    await listener.send({"action": "ping"})
    assert await listener.frame() == {"action": "pong"}
    assert await listener.communicator.receive_nothing(0.2)  # nothing twice
