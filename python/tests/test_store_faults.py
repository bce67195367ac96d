"""A Redis store that cannot be reached: refused, restarted, or hanging. The socket closes with a
retry hint (the client comes back spread over `store_retry_jitter`), never with a traceback or a
consumer waiting for ever, and when Redis is back the client resumes with nothing lost or
delivered twice."""

import time
from typing import Any, AsyncIterator, Dict

import pytest
from django.test import override_settings

from authsocket_channels.delivery.store import forget_store
from tests.redis_server import RedisServer, free_port

pytestmark = pytest.mark.django_db(transaction=True)

RETRY = {"action": "retry", "after": 500, "jitter": 2000}


@pytest.fixture
async def redis() -> AsyncIterator[RedisServer]:
    server = RedisServer().start()
    settings = {"DELIVERY_STORE": "redis", "REDIS_URL": server.url, "REDIS_TIMEOUT": 0.3}
    with override_settings(AUTHSOCKET=settings):
        forget_store()
        yield server
    forget_store()
    server.stop()


async def open_session(connect: Any, token: str, sid: str) -> Any:
    socket = await connect(f"/ws/delivery/?token={token}")
    epoch = (await socket.status())[1]["resume"]["epoch"]
    await socket.send({"action": "session", "id": sid, "resume": True, "epoch": epoch, "offset": 0})
    socket.epoch = epoch
    return socket


def message(seq: int) -> Dict[str, Any]:
    return {"action": "message", "seq": seq, "data": {"n": seq}}


async def test_no_redis_at_connect_closes_with_a_retry_hint(connect: Any, alice_jwt: str) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with override_settings(AUTHSOCKET={"DELIVERY_STORE": "redis", "REDIS_URL": url}):
        forget_store()
        socket = await connect(f"/ws/delivery/?token={alice_jwt}")
        assert await socket.frame() == RETRY
        assert await socket.closed() == 1000
    forget_store()


async def test_a_hanging_redis_closes_within_the_timeout_and_nothing_is_lost(
    redis: RedisServer, connect: Any, alice_jwt: str
) -> None:
    first = await open_session(connect, alice_jwt, "hang")
    await first.send(message(1))
    got = [await first.frame() for _ in range(2)]
    assert {frame["action"] for frame in got} == {"ack", "message"}
    redis.freeze()
    try:
        started = time.monotonic()
        await first.send(message(2))
        assert await first.frame(timeout=3) == RETRY
        assert await first.closed() == 1000
        waited = time.monotonic() - started
        assert 0.25 < waited < 1.5, waited  # REDIS_TIMEOUT (0.3 s), not for ever
    finally:
        redis.thaw()
    # The client comes back and sends 2 again: delivered once, after 1.
    again = await connect(f"/ws/delivery/?token={alice_jwt}")
    await again.status()
    session = {"action": "session", "id": "hang", "resume": True, "epoch": first.epoch}
    await again.send({**session, "offset": 1})
    await again.send(message(2))
    got = [await again.frame() for _ in range(2)]
    numbered = [frame for frame in got if frame["action"] == "message"]
    assert [frame["offset"] for frame in numbered] == [2]
    assert numbered[0]["data"] == {"type": "echo", "data": {"n": 2}}
    assert await again.communicator.receive_nothing()


async def test_a_redis_that_went_down_closes_the_socket_with_a_retry_hint(
    redis: RedisServer, connect: Any, alice_jwt: str
) -> None:
    first = await open_session(connect, alice_jwt, "down")
    await first.send(message(1))
    [await first.frame() for _ in range(2)]
    redis.stop()
    await first.send(message(2))
    assert await first.frame() == RETRY
    assert await first.closed() == 1000
    redis.start()  # back, empty (no persistence here): the stream is a new one
    again = await open_session(connect, alice_jwt, "down")
    assert again.epoch != first.epoch


async def test_a_redis_restarted_between_two_calls_is_not_noticed(
    redis: RedisServer, connect: Any, alice_jwt: str
) -> None:
    """redis-py (4.3 here) reconnects a pooled connection the restart broke before it sends on
    it: a Redis that is back by the next call costs the socket nothing. (This one lost its data,
    so the session is a new one to it: the echo comes unnumbered.)"""
    first = await open_session(connect, alice_jwt, "restart")
    await first.send(message(1))
    [await first.frame() for _ in range(2)]
    redis.stop()
    redis.start()
    await first.send(message(2))
    got = [await first.frame() for _ in range(2)]
    assert {"action": "ack", "seq": 2} in got
    assert {"type": "echo", "data": {"n": 2}} in got
