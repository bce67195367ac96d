"""Delivery sessions in Redis: a client may come back to any worker, and nothing is replayed twice.

Per session (`authsocket:s:<owner>:<sid>`), a hash (`delivered`, the newest `offset`, `chars`,
`resume`) and a list of its numbered frames, oldest first, the newest `DELIVERY_RESUME_BUFFER`
and at most `DELIVERY_RESUME_CHARS` characters. Both expire `DELIVERY_SESSION_TTL` seconds after
the session was last written; the hash also keeps, per group the session follows (`g:<group>`),
the newest offset of the group's log copied into its stream. Per group (`authsocket:g:<group>`),
a hash (the newest `offset`) and its log, the newest `GROUP_LOG_SIZE` messages, expiring
`DELIVERY_SESSION_TTL` seconds after the last publish. `authsocket:epoch` names the store's
stream: made once, so a Redis that lost its data makes a new one and resuming clients get
`resync`, not a gap.

Each step is one Lua script, so a worker killed at any instruction has done all of a step or
none of it. A numbered frame reaches the session's live socket, on whichever worker, through the
channel layer (the group `authsocket.s.<hash>`); the socket relays frames in offset order and
fetches from the list what a frame that overtook another skipped.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from ..settings import authsocket_settings
from .store import Commit, Pull, SessionKey, SessionStore

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

# Appends data texts to the session's stream (KEYS[1] its hash, KEYS[2] its log, KEYS[3] the
# epoch), numbered; keeps the newest `maxcount` frames and at most `maxchars` characters.
# Returns {offset, frame, offset, frame...}.
APPEND = """
local function append(data, maxcount, maxchars, candidate)
  redis.call('SET', KEYS[3], candidate, 'NX')
  local before = '{"action": "message", "epoch": "' .. redis.call('GET', KEYS[3]) .. '", "offset": '
  local chars = tonumber(redis.call('HGET', KEYS[1], 'chars') or '0')
  local out = {}
  for _, text in ipairs(data) do
    local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
    local frame = before .. offset .. ', "data": ' .. text .. '}'
    redis.call('RPUSH', KEYS[2], frame)
    chars = chars + string.len(frame)
    table.insert(out, offset)
    table.insert(out, frame)
  end
  local kept = redis.call('LLEN', KEYS[2])
  while kept > maxcount or (chars > maxchars and kept > 0) do
    chars = chars - string.len(redis.call('LPOP', KEYS[2]))
    kept = kept - 1
  end
  redis.call('HSET', KEYS[1], 'chars', chars)
  return out
end
"""

# KEYS: the session hash, its log, the epoch, then a (hash, log) pair per group published to.
# ARGV: seq (0: mark nothing), the most frames and characters kept, ttl, a new epoch if there is
# none, the group logs' size, the number of the session's own messages, their JSON texts, then
# per group the number of its messages and their JSON texts. Returns {0, the last delivered seq}
# when seq is not new; else {1, the last delivered seq, each group's newest offset..., offset,
# frame...}: the session's own messages, numbered and kept when it resumes.
COMMIT = (
    APPEND
    + """
local delivered = tonumber(redis.call('HGET', KEYS[1], 'delivered') or '0')
local seq = tonumber(ARGV[1])
if seq > 0 then
  if seq <= delivered then return {0, delivered} end
  redis.call('HSET', KEYS[1], 'delivered', seq)
  delivered = seq
end
local own = tonumber(ARGV[7])
local next = 8 + own
local reply = {1, delivered}
for g = 4, #KEYS, 2 do
  local count = tonumber(ARGV[next])
  next = next + 1
  for _ = 1, count do
    redis.call('RPUSH', KEYS[g + 1], ARGV[next])
    next = next + 1
  end
  table.insert(reply, redis.call('HINCRBY', KEYS[g], 'offset', count))
  redis.call('LTRIM', KEYS[g + 1], -tonumber(ARGV[6]), -1)
  redis.call('EXPIRE', KEYS[g], ARGV[4])
  redis.call('EXPIRE', KEYS[g + 1], ARGV[4])
end
if own > 0 and redis.call('HGET', KEYS[1], 'resume') == '1' then
  local data = {}
  for i = 8, 7 + own do table.insert(data, ARGV[i]) end
  for _, item in ipairs(append(data, tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[5])) do
    table.insert(reply, item)
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return reply
"""
)

# KEYS: the session hash, the group's hash. ARGV: the session's field for the group, ttl.
FOLLOW = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  redis.call('HSET', KEYS[1], ARGV[1], redis.call('HGET', KEYS[2], 'offset') or '0')
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""

# KEYS: the session hash, its log, the epoch, the group's hash, its log. ARGV: the session's field
# for the group, the most frames and characters kept, ttl, a new epoch if there is none. Returns
# {0} when the session does not follow the group; else {1, resync (0/1), the group's newest
# offset, 'n', offset, frame...} (numbered) or {1, resync, newest, 'l', JSON text...} (a session
# that does not resume).
PULL = (
    APPEND
    + """
local have = redis.call('HGET', KEYS[1], ARGV[1])
if not have then return {0} end
have = tonumber(have)
local last = tonumber(redis.call('HGET', KEYS[4], 'offset') or '0')
local first = last - redis.call('LLEN', KEYS[5]) + 1
local resync = 0
local data = {}
if have < first - 1 or have > last then
  resync = 1
elseif have < last then
  data = redis.call('LRANGE', KEYS[5], have - first + 1, -1)
end
redis.call('HSET', KEYS[1], ARGV[1], last)
local reply = {1, resync, last}
if redis.call('HGET', KEYS[1], 'resume') == '1' then
  table.insert(reply, 'n')
  for _, item in ipairs(append(data, tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[5])) do
    table.insert(reply, item)
  end
else
  table.insert(reply, 'l')
  for _, text in ipairs(data) do table.insert(reply, text) end
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return reply
"""
)

# KEYS: the group's hash, its log. ARGV: the log's size, ttl, the messages' JSON texts. Returns
# the group's newest offset.
PUBLISH = """
for i = 3, #ARGV do
  redis.call('RPUSH', KEYS[2], ARGV[i])
end
local offset = redis.call('HINCRBY', KEYS[1], 'offset', #ARGV - 2)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[1]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return offset
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
            # Bounded calls: a Redis that hangs fails the call (`store_unavailable`), and the
            # socket closes with a retry hint, rather than every consumer waiting for ever.
            timeout = authsocket_settings.REDIS_TIMEOUT
            self._client = aioredis.from_url(
                self.url, socket_timeout=timeout, socket_connect_timeout=timeout
            )
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

    def group_keys(self, group: str) -> Tuple[str, str]:
        base = f"{PREFIX}g:{group}"
        return base, base + ":log"

    async def commit(
        self,
        key: SessionKey,
        seq: int,
        contents: List[Any],
        published: Optional[Dict[str, List[Any]]] = None,
    ) -> Commit:
        keys: List[str] = [*self.keys(key), EPOCH_KEY]
        groups: List[Any] = []
        for group, messages in (published or {}).items():
            keys.extend(self.group_keys(group))
            groups.extend([len(messages), *(json.dumps(message) for message in messages)])
        reply = await self.redis.eval(
            COMMIT,
            len(keys),
            *keys,
            seq,
            authsocket_settings.DELIVERY_RESUME_BUFFER,
            authsocket_settings.DELIVERY_RESUME_CHARS,
            authsocket_settings.DELIVERY_SESSION_TTL,
            secrets.token_hex(4),
            authsocket_settings.GROUP_LOG_SIZE,
            len(contents),
            *(json.dumps(content) for content in contents),
            *groups,
        )
        if not int(reply[0]):
            return Commit(False, int(reply[1]), [])
        names = list((published or {}).keys())
        newest = {name: int(offset) for name, offset in zip(names, reply[2 : 2 + len(names)])}
        first = 2 + len(names)
        numbered = [(int(reply[i]), _text(reply[i + 1])) for i in range(first, len(reply), 2)]
        return Commit(True, int(reply[1]), numbered, newest)

    async def follow(self, key: SessionKey, group: str) -> None:
        ttl = authsocket_settings.DELIVERY_SESSION_TTL
        await self.redis.eval(
            FOLLOW, 2, self.keys(key)[0], self.group_keys(group)[0], f"g:{group}", ttl
        )

    async def publish(self, group: str, contents: List[Any]) -> int:
        texts = [json.dumps(content) for content in contents]
        size = authsocket_settings.GROUP_LOG_SIZE
        ttl = authsocket_settings.DELIVERY_SESSION_TTL
        return int(await self.redis.eval(PUBLISH, 2, *self.group_keys(group), size, ttl, *texts))

    async def pull(self, key: SessionKey, group: str) -> Pull:
        reply = await self.redis.eval(
            PULL,
            5,
            *self.keys(key),
            EPOCH_KEY,
            *self.group_keys(group),
            f"g:{group}",
            authsocket_settings.DELIVERY_RESUME_BUFFER,
            authsocket_settings.DELIVERY_RESUME_CHARS,
            authsocket_settings.DELIVERY_SESSION_TTL,
            secrets.token_hex(4),
        )
        if int(reply[0]) == 0:
            return Pull(False, [], [])
        resync = bool(int(reply[1]))
        copied = int(reply[2])
        if _text(reply[3]) == "l":
            return Pull(resync, [], [_text(text) for text in reply[4:]], copied)
        numbered = [(int(reply[i]), _text(reply[i + 1])) for i in range(4, len(reply), 2)]
        return Pull(resync, numbered, [], copied)

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

    async def notify(self, key: SessionKey, frames: List[Tuple[int, str]]) -> None:
        from channels.layers import get_channel_layer

        event = {"type": "authsocket.relay", "frames": [list(frame) for frame in frames]}
        await get_channel_layer().group_send(self.group(key), event)

    async def send_live(self, key: SessionKey, text: str) -> None:
        from channels.layers import get_channel_layer

        event = {"type": "authsocket.live", "text": text}
        await get_channel_layer().group_send(self.group(key), event)
