"""Delivery sessions in Redis: a client may come back to any worker, and nothing is replayed twice.

Per session (`authsocket:s:<owner>:<sid>`), a hash (`delivered`, the newest `offset`, `chars`,
`resume`) and a list of its numbered frames, oldest first, the newest `DELIVERY_RESUME_BUFFER`
and at most `DELIVERY_RESUME_CHARS` characters. Both expire `DELIVERY_SESSION_TTL` seconds after
the session was last written. `authsocket:epoch` names the store's stream: made once, so a Redis
that lost its data makes a new one and resuming clients get `resync`, not a gap.

Each step is one Lua script, so a worker killed at any instruction has done all of a step or
none of it. A numbered frame reaches the session's live socket, on whichever worker, through the
channel layer (the group `authsocket.s.<hash>`); the socket relays frames in offset order and
fetches from the list what a frame that overtook another skipped.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

from ..settings import authsocket_settings
from .store import Commit, SessionKey, SessionStore, frame_parts

if TYPE_CHECKING:
    from .mixin import DeliveryMixin

PREFIX = "authsocket:"
EPOCH_KEY = PREFIX + "epoch"

# KEYS: the epoch. ARGV: a new epoch. Returns the epoch, made if there was none.
EPOCH = """
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
"""

# KEYS: the session hash, its log. ARGV: resume (0/1), ttl.
OPEN = """
redis.call('HSET', KEYS[1], 'resume', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1
"""

# KEYS: the session hash, its log, the epoch. ARGV: seq (0: mark nothing), the most frames and
# characters kept, ttl, a new epoch if there is none, then each message's text after its offset.
# Returns {0, the last delivered seq} when seq is not new; else {1, the last delivered seq,
# offset, text, offset, text...}: the messages, numbered and kept when the session resumes.
COMMIT = """
local delivered = tonumber(redis.call('HGET', KEYS[1], 'delivered') or '0')
local seq = tonumber(ARGV[1])
if seq > 0 then
  if seq <= delivered then return {0, delivered} end
  redis.call('HSET', KEYS[1], 'delivered', seq)
  delivered = seq
end
local reply = {1, delivered}
if redis.call('HGET', KEYS[1], 'resume') == '1' and #ARGV > 5 then
  redis.call('SET', KEYS[3], ARGV[5], 'NX')
  local before = '{"action": "message", "epoch": "' .. redis.call('GET', KEYS[3]) .. '", "offset": '
  local chars = tonumber(redis.call('HGET', KEYS[1], 'chars') or '0')
  for i = 6, #ARGV do
    local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
    local text = before .. offset .. ARGV[i]
    redis.call('RPUSH', KEYS[2], text)
    chars = chars + string.len(text)
    table.insert(reply, offset)
    table.insert(reply, text)
  end
  local kept = redis.call('LLEN', KEYS[2])
  while kept > tonumber(ARGV[2]) or (chars > tonumber(ARGV[3]) and kept > 0) do
    chars = chars - string.len(redis.call('LPOP', KEYS[2]))
    kept = kept - 1
  end
  redis.call('HSET', KEYS[1], 'chars', chars)
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return reply
"""

# KEYS: the session hash, its log. ARGV: the offset the client has. Returns {newest offset, the
# frames after the client's...}, or {-1} when they are no longer (or never were) kept.
AFTER = """
local last = tonumber(redis.call('HGET', KEYS[1], 'offset') or '0')
local first = last - redis.call('LLEN', KEYS[2]) + 1
local after = tonumber(ARGV[1])
if after < first - 1 or after > last then return {-1} end
local frames = redis.call('LRANGE', KEYS[2], after - first + 1, -1)
table.insert(frames, 1, last)
return frames
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisStore(SessionStore):
    def __init__(self, url: Optional[str]) -> None:
        if not url:
            raise ValueError(
                'AUTHSOCKET["DELIVERY_STORE"] is "redis" but AUTHSOCKET["REDIS_URL"] is not set.'
            )
        self.url = url
        self._client: Any = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    @property
    def redis(self) -> Any:
        """The client for the running event loop (a client cannot move between loops)."""
        import redis.asyncio as aioredis

        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = aioredis.from_url(self.url)
            self._loop = loop
        return self._client

    def keys(self, key: SessionKey) -> Tuple[str, str]:
        base = f"{PREFIX}s:{key.owner}:{key.sid}"
        return base, base + ":log"

    @staticmethod
    def group(key: SessionKey) -> str:
        """The channel-layer group of a session's live sockets (letters, digits and periods only)."""
        digest = hashlib.sha1(f"{key.owner}\x00{key.sid}".encode()).hexdigest()
        return f"authsocket.s.{digest}"

    async def epoch(self) -> str:
        # A fresh candidate each time: after Redis lost its data, the next epoch is another one.
        return _text(await self.redis.eval(EPOCH, 1, EPOCH_KEY, secrets.token_hex(4)))

    async def open(self, key: SessionKey, resume: bool) -> None:
        ttl = authsocket_settings.DELIVERY_SESSION_TTL
        await self.redis.eval(OPEN, 2, *self.keys(key), 1 if resume else 0, ttl)

    async def delivered(self, key: SessionKey) -> int:
        return int(await self.redis.hget(self.keys(key)[0], "delivered") or 0)

    async def commit(self, key: SessionKey, seq: int, contents: List[Any]) -> Commit:
        reply = await self.redis.eval(
            COMMIT,
            3,
            *self.keys(key),
            EPOCH_KEY,
            seq,
            authsocket_settings.DELIVERY_RESUME_BUFFER,
            authsocket_settings.DELIVERY_RESUME_CHARS,
            authsocket_settings.DELIVERY_SESSION_TTL,
            secrets.token_hex(4),
            *(frame_parts("", content)[1] for content in contents),
        )
        numbered = [(int(reply[i]), _text(reply[i + 1])) for i in range(2, len(reply), 2)]
        return Commit(bool(int(reply[0])), int(reply[1]), numbered)

    async def after(self, key: SessionKey, offset: int) -> Optional[Tuple[int, List[str]]]:
        reply = await self.redis.eval(AFTER, 2, *self.keys(key), offset)
        if int(reply[0]) == -1:
            return None
        return int(reply[0]), [_text(frame) for frame in reply[1:]]

    async def newest(self, key: SessionKey) -> int:
        return int(await self.redis.hget(self.keys(key)[0], "offset") or 0)

    async def attach(self, key: SessionKey, consumer: "DeliveryMixin") -> None:
        await consumer.channel_layer.group_add(self.group(key), consumer.channel_name)

    async def detach(self, key: SessionKey, consumer: "DeliveryMixin") -> None:
        await consumer.channel_layer.group_discard(self.group(key), consumer.channel_name)

    async def notify(self, key: SessionKey, offset: int, text: str) -> None:
        from channels.layers import get_channel_layer

        event = {"type": "authsocket.relay", "offset": offset, "text": text}
        await get_channel_layer().group_send(self.group(key), event)

    async def send_live(self, key: SessionKey, text: str) -> None:
        from channels.layers import get_channel_layer

        event = {"type": "authsocket.live", "text": text}
        await get_channel_layer().group_send(self.group(key), event)
