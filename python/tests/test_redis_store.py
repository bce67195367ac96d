"""The Redis delivery store against a real redis-server: a client that comes back to another
worker (here: a fresh store, as a new process has) resumes with nothing lost or replayed twice;
claims are atomic; what is no longer kept, or a Redis that lost its data, gives `resync`."""

import asyncio
from typing import Any, AsyncIterator, Iterator

import pytest
from django.test import override_settings

from authsocket_channels.delivery import SessionKey, get_store
from authsocket_channels.delivery.redis_store import RedisStore
from authsocket_channels.delivery.store import forget_store
from tests.redis_server import RedisServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    server = RedisServer().start()
    yield server.url
    server.stop()


@pytest.fixture
async def redis_store(redis_url: str) -> AsyncIterator[RedisStore]:
    with override_settings(AUTHSOCKET={"DELIVERY_STORE": "redis", "REDIS_URL": redis_url}):
        forget_store()
        store = get_store()
        assert isinstance(store, RedisStore)
        await store.redis.flushdb()
        yield store
    forget_store()


async def test_a_client_that_moves_worker_resumes_without_resync(
    redis_store: RedisStore, connect: Any, alice: Any, alice_jwt: str
) -> None:
    first = await connect(f"/ws/delivery/?token={alice_jwt}")
    epoch = (await first.status())[1]["resume"]["epoch"]
    session = {"action": "session", "id": "mover", "resume": True, "epoch": epoch, "offset": 0}
    await first.send(session)
    for n in range(1, 4):
        await first.send({"action": "message", "seq": n, "data": {"n": n}})
    got = [await first.frame() for _ in range(6)]
    assert [f["offset"] for f in got if f.get("action") == "message"] == [1, 2, 3]
    await first.communicator.disconnect()
    # Meanwhile, a task pushes to the session; then the client reaches a worker with no memory of it.
    await get_store().push(SessionKey(str(alice.pk), "mover"), {"n": 4})
    forget_store()
    again = await connect(f"/ws/delivery/?token={alice_jwt}")
    assert (await again.status())[1]["resume"]["epoch"] == epoch  # the store's, not the process's
    await again.send({**session, "offset": 1})
    replayed = [await again.frame() for _ in range(3)]
    assert [(f["offset"], f["data"]) for f in replayed] == [
        (2, {"type": "echo", "data": {"n": 2}}),
        (3, {"type": "echo", "data": {"n": 3}}),
        (4, {"n": 4}),
    ]
    # A seq the first worker delivered is only acknowledged here.
    await again.send({"action": "message", "seq": 3, "data": {"n": 3}})
    assert await again.frame() == {"action": "ack", "seq": 3}
    await again.send({"action": "message", "seq": 4, "data": {"n": 5}})
    live = [await again.frame() for _ in range(2)]
    # The ack is written here; the numbered echo comes through the channel layer: either first.
    assert sorted(live, key=lambda frame: frame["action"]) == [
        {"action": "ack", "seq": 4},
        {
            "action": "message",
            "epoch": epoch,
            "offset": 5,
            "data": {"type": "echo", "data": {"n": 5}},
        },
    ]


async def test_a_commit_is_once_across_stores(redis_store: RedisStore, redis_url: str) -> None:
    key = SessionKey("1", "commits")
    await redis_store.open(key, True)
    stores = [redis_store, *(RedisStore(redis_url) for _ in range(4))]
    for seq in range(1, 21):
        commits = await asyncio.gather(
            *(store.commit(key, seq, [{"seq": seq}]) for store in stores)
        )
        assert sorted(commit.new for commit in commits) == [False] * 4 + [True]
    kept = await redis_store.after(key, 0)
    assert kept is not None and kept[0] == 20
    assert [frame.endswith(f'"data": {{"seq": {n}}}}}') for n, frame in enumerate(kept[1], 1)] == [
        True
    ] * 20


@pytest.mark.parametrize("at", ["before", "after"])
@pytest.mark.parametrize("store_name", ["memory", "redis"])
async def test_a_worker_that_dies_while_handling_a_message_has_delivered_nothing(
    redis_url: str, connect: Any, alice_jwt: str, store_name: str, at: str
) -> None:
    """Killed before or after the application sent its reply: the message is delivered when the
    client sends it again, and its reply is in the stream once (a claim first, then the reply,
    lost both when killed in between)."""
    from tests import app

    with override_settings(AUTHSOCKET={"DELIVERY_STORE": store_name, "REDIS_URL": redis_url}):
        forget_store()
        first = await connect(f"/ws/delivery/?token={alice_jwt}")
        epoch = (await first.status())[1]["resume"]["epoch"]
        session = {
            "action": "session",
            "id": f"dies-{store_name}-{at}",
            "resume": True,
            "epoch": epoch,
        }
        await first.send({**session, "offset": 0})
        app.CRASH["at"] = at
        await first.send({"action": "message", "seq": 1, "data": {"n": 1}})
        with pytest.raises(RuntimeError, match="the worker died here"):
            await first.frame()
        first.crashed = True
        again = await connect(f"/ws/delivery/?token={alice_jwt}")
        await again.status()
        await again.send({**session, "offset": 0})
        await again.send({"action": "message", "seq": 1, "data": {"n": 1}})
        got = [await again.frame() for _ in range(2)]
        assert sorted(got, key=lambda frame: frame["action"]) == [
            {"action": "ack", "seq": 1},
            {
                "action": "message",
                "epoch": epoch,
                "offset": 1,
                "data": {"type": "echo", "data": {"n": 1}},
            },
        ]
        assert await again.communicator.receive_nothing()
    forget_store()
