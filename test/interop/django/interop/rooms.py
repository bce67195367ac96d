"""A room every worker serves, with nothing lost: acknowledged sends and resume kept in Redis.

The delivery mixin (authsocket_channels.delivery) keeps its sessions in the process, so a client whose worker
died gets `resync` from the next. Here the state lives in Redis (settings.REDIS), so any worker
can take any client over:

- the room's log: its messages, numbered by one counter (`offset`), the newest KEEP kept, and
  its epoch, made once;
- per client session (user, session id): the last `seq` delivered into the room.

Delivering a client message is one Lua script: check the seq, count it, number the message and
append it to the log, so a worker that dies at any point has either done all of it (the client's
resend is then only acknowledged) or none (the resend delivers it). Each socket then relays the
log in order: a live copy that arrives ahead of an older one (two workers published at once)
first fetches what it skipped.
"""
import json
import secrets

import redis.asyncio as aioredis
from django.conf import settings

from authsocket_channels.frames import pong_frame

from .consumers import WORKER, EchoConsumer

KEEP = 10_000
SESSION_SECONDS = 24 * 3600

# KEYS: the session's delivered seq, the room's counter, the room's log. ARGV: seq, the frame's
# text before and after its offset, KEEP. Returns {delivered seq, offset (0: not delivered now)}.
PUBLISH = (
    """
local delivered = tonumber(redis.call('GET', KEYS[1]) or '0')
local seq = tonumber(ARGV[1])
if seq ~= delivered + 1 then return {delivered, 0} end
redis.call('SET', KEYS[1], seq, 'EX', %d)
local offset = redis.call('INCR', KEYS[2])
redis.call('RPUSH', KEYS[3], ARGV[2] .. offset .. ARGV[3])
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[4]), -1)
return {seq, offset}
"""
    % SESSION_SECONDS
)

# KEYS: the room's counter, its log. ARGV: the offset the client has. Returns {newest offset,
# the frames after the client's...}, or {-1} when they are no longer (or never were) in the log.
AFTER = """
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local first = last - redis.call('LLEN', KEYS[2]) + 1
local after = tonumber(ARGV[1])
if after < first - 1 or after > last then return {-1} end
local frames = redis.call('LRANGE', KEYS[2], after - first + 1, -1)
table.insert(frames, 1, last)
return frames
"""

# KEYS: the session's start, the room's counter. ARGV: SESSION_SECONDS. Where the session joined
# the room, set when it first opens: offset 0 means "nothing yet since I joined", not "since the
# room began".
START = """
redis.call('SET', KEYS[1], redis.call('GET', KEYS[2]) or '0', 'NX', 'EX', ARGV[1])
return tonumber(redis.call('GET', KEYS[1]))
"""

_redis = None


def redis():
    global _redis
    if _redis is None:
        _redis = aioredis.from_url(settings.REDIS)
    return _redis


class RoomConsumer(EchoConsumer):
    """`ws/rooms-redis/<room>/`: what a member sends (numbered, acknowledged), every member gets
    once and in order (numbered, resumable), on whichever worker each of them is."""

    heartbeat = {"interval": 25000, "timeout": 10000}
    room = None
    sent = None  # the newest offset this socket relayed; None until the session frame
    delivered_key = None

    async def authenticated(self):
        self.room = self.scope["url_route"]["kwargs"]["room"]
        self.keys = {"offset": f"room:{self.room}:offset", "log": f"room:{self.room}:log"}
        await redis().set(f"room:{self.room}:epoch", secrets.token_hex(4), nx=True)
        self.epoch = (await redis().get(f"room:{self.room}:epoch")).decode()
        await self.channel_layer.group_add(f"room.{self.room}", self.channel_name)

    def get_announcements(self):
        return {
            "heartbeat": self.heartbeat,
            "ack": True,
            "resume": {"epoch": self.epoch},
            "worker": WORKER,
        }

    async def disconnect(self, code):
        if self.room:
            await self.channel_layer.group_discard(f"room.{self.room}", self.channel_name)

    async def receive_frame(self, content, **kwargs):
        action = content.get("action") if isinstance(content, dict) else None
        if action == "ping":
            await self.send_json(pong_frame())
        elif action == "session":
            await self.open_session(content)
        elif action == "message" and self.delivered_key and isinstance(content.get("seq"), int):
            await self.publish(content["seq"], content.get("data"))

    async def open_session(self, content):
        sid = content.get("id")
        if not isinstance(sid, str) or not 0 < len(sid) <= 64:
            return
        self.delivered_key = f"session:{self.user.pk}:{sid}:delivered"
        start = await redis().eval(
            START,
            2,
            f"session:{self.user.pk}:{sid}:start:{self.room}",
            self.keys["offset"],
            SESSION_SECONDS,
        )
        offset = content.get("offset") if content.get("resume") is True else None
        if isinstance(offset, int) and content.get("epoch") == self.epoch:
            after = max(offset, start)
            reply = await redis().eval(AFTER, 2, self.keys["offset"], self.keys["log"], after)
            if reply[0] != -1:
                self.sent = after
                return await self.relay(after + 1, reply[1:])
        if isinstance(offset, int) and offset > 0:
            await self.send_json({"action": "resync", "epoch": self.epoch})
        self.sent = int(await redis().get(self.keys["offset"]) or 0)  # live from here

    async def publish(self, seq, data):
        before = '{"action":"message","epoch":"%s","offset":' % self.epoch
        after = ',"data":%s,"from":"%s"}' % (json.dumps(data), WORKER)
        delivered, offset = await redis().eval(
            PUBLISH,
            3,
            self.delivered_key,
            self.keys["offset"],
            self.keys["log"],
            seq,
            before,
            after,
            KEEP,
        )
        if offset:
            await self.channel_layer.group_send(
                f"room.{self.room}",
                {"type": "room.message", "offset": offset, "text": before + str(offset) + after},
            )
        await self.send_json({"action": "ack", "seq": delivered})

    async def room_message(self, event):
        if self.sent is None or event["offset"] <= self.sent:
            return  # before the session frame (its replay covers it), or relayed already
        if event["offset"] == self.sent + 1:
            return await self.relay(event["offset"], [event["text"]])
        # Another worker's message overtook an older one: relay the log from where this socket is.
        reply = await redis().eval(AFTER, 2, self.keys["offset"], self.keys["log"], self.sent)
        if reply[0] == -1:  # what it skipped is no longer kept
            await self.send_json({"action": "resync", "epoch": self.epoch})
            self.sent = event["offset"] - 1
            return await self.relay(event["offset"], [event["text"]])
        await self.relay(self.sent + 1, reply[1:])

    async def relay(self, first, frames):
        """Sends the log's frames from offset `first` on (the log has no gaps) that this socket has not relayed yet."""
        for offset, frame in enumerate(frames, start=first):
            if offset > self.sent:
                await self.send(text_data=frame.decode() if isinstance(frame, bytes) else frame)
                self.sent = offset
