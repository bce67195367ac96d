"""authsocket's delivery extensions for `AuthSocketConsumer`: heartbeat, acknowledged sends, resume.

The frames are those of docs/PROTOCOL.md, section 7. Put the mixin first in the bases and send
what the client must not miss with `await self.send_message(content)`. The 200 frame then
announces all three, and `receive_json` gets each client message once, in order, however often
the client had to send it again.

Sessions live in the store `AUTHSOCKET["DELIVERY_STORE"]` names: `"memory"` (this process; a
client that comes back to another worker, or to a restarted one, is told `resync`) or `"redis"`
(any worker; store.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from types import MappingProxyType
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..consumers import AuthSocketConsumer
from ..frames import ack_frame, error_frame, pong_frame, resync_frame
from ..settings import authsocket_settings
from .store import SessionKey, SessionStore, get_store, store_unavailable

logger = logging.getLogger("authsocket_channels")

MAX_SESSION_ID = 64


def member_group(group: str) -> str:
    """The channel-layer group of the sockets whose sessions follow `group` (a name Channels takes)."""
    return "authsocket.g." + hashlib.sha1(group.encode()).hexdigest()


class DeliverySession:
    """A client's session as this socket sees it: `push` numbers a message, keeps it for a
    replay and hands it to the session's live socket, wherever that is (background tasks too)."""

    def __init__(self, store: SessionStore, key: SessionKey) -> None:
        self.store = store
        self.key = key

    async def push(self, content: Any) -> None:
        numbered = await self.store.push(self.key, content)
        if numbered is None:  # acks only: nothing numbered, nothing kept
            await self.store.send_live(self.key, json.dumps(content))
            return
        await self.store.notify(self.key, [numbered])


class DeliveryMixin(AuthSocketConsumer):
    """Heartbeat, acknowledged sends and resume for an `AuthSocketConsumer`."""

    #: What the 200 frame announces; `None` reads `AUTHSOCKET["HEARTBEAT"]`.
    heartbeat: Optional[Dict[str, int]] = None
    #: This client's session, once it sent its session frame.
    delivery: Optional[DeliverySession] = None
    #: The newest offset this socket sent the client; `None` until its session frame.
    relayed: Optional[int] = None
    _relaying: Optional[asyncio.Lock] = None
    _epoch: str = ""
    #: Groups whose messages the session keeps while the client is away (`group_publish`).
    followed_groups: Sequence[str] = ()
    #: What `send_message` was given while a client message is handled, committed with its seq.
    _pending: Optional[List[Any]] = None
    #: What `group_publish` was given then, by group.
    _published: Optional[Dict[str, List[Any]]] = None
    #: Per followed group, the offset this socket's session has had everything up to (a pull
    #: told it): a group's news older than that needs no pull. Set by the session frame.
    _copied: Dict[str, int] = MappingProxyType({})  # type: ignore[assignment]
    #: When the store cannot be reached (Redis restarting, or hanging past `REDIS_TIMEOUT`): the
    #: socket closes, telling the client to come back in this many seconds plus a random part
    #: of `store_retry_jitter`, so a fleet does not return in one burst.
    store_retry_after: float = 0.5
    store_retry_jitter: float = 2.0

    @property
    def store(self) -> SessionStore:
        return get_store()

    async def dispatch(self, message: Dict[str, Any]) -> None:
        try:
            await super().dispatch(message)
        except Exception as error:
            if not store_unavailable(error) or message.get("type") == "websocket.disconnect":
                raise
            # Nothing half done: each store step is whole or not at all, and the client sends
            # again what was not acknowledged. The client resumes when it comes back.
            name = type(error).__name__
            logger.warning("authsocket: the delivery store is unavailable (%s); closing", name)
            await self.close_and_retry_after(self.store_retry_after, self.store_retry_jitter)

    async def authenticated(self) -> None:
        self._epoch = await self.store.epoch()
        await super().authenticated()

    def get_announcements(self) -> Dict[str, Any]:
        heartbeat = authsocket_settings.HEARTBEAT if self.heartbeat is None else self.heartbeat
        return {
            **super().get_announcements(),
            "heartbeat": heartbeat,
            "ack": True,
            "resume": {"epoch": self._epoch},
        }

    async def send_message(self, content: Any) -> None:
        """Sends an application message: numbered and kept for a replay when the client resumes.
        While a client message is being handled, it is held and committed with that message's
        seq, in one step (`receive_numbered`)."""
        if self._pending is not None:
            self._pending.append(content)
        elif self.delivery is not None:
            await self.delivery.push(content)
        else:
            await self.send_json(content)  # to this socket, before a session frame

    async def receive_frame(self, content: Any, **kwargs: Any) -> None:
        action = content.get("action") if isinstance(content, dict) else None
        if action == "ping":
            await self.send_json(pong_frame())
            await self.catch_up_quietly()
        elif action == "session":
            await self.open_session(content)
        elif action == "message":
            await self.receive_numbered(content, **kwargs)
        else:
            await super().receive_frame(content, **kwargs)

    async def receive_numbered(self, content: Dict[str, Any], **kwargs: Any) -> None:
        seq = content.get("seq")
        if self.delivery is None:
            await self.send_json(error_frame("A message frame comes after a session frame"))
            return
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            await self.send_json(error_frame("A message frame needs a whole number seq from 1"))
            return
        key = self.delivery.key
        delivered = await self.store.delivered(key)
        if seq <= delivered:  # sent again after a reconnect: only acknowledged
            await self.send_json(ack_frame(delivered))
            return
        # What the application sends its own session while handling the message is committed
        # with the message's seq in one step: a worker killed before it has delivered nothing
        # (the client sends the message again), one killed after it has done all of it.
        self._pending = []
        self._published = {}
        try:
            await self.receive_json(content.get("data"), **kwargs)
            contents, published = self._pending, self._published
        finally:
            self._pending = None
            self._published = None
        commit = await self.store.commit(key, seq, contents, published)
        if commit.new:
            await self.hand_out(contents, commit.numbered)
            for group, newest in commit.groups.items():
                await self.announce(group, newest)
        await self.send_json(ack_frame(commit.delivered))

    async def hand_out(self, contents: List[Any], numbered: List[Tuple[int, str]]) -> None:
        """Sends what a commit kept to the session's live socket (or, unnumbered, what it did not)."""
        assert self.delivery is not None
        if numbered:
            await self.store.notify(self.delivery.key, numbered)
            return
        for content in contents:
            await self.store.send_live(self.delivery.key, json.dumps(content))

    async def open_session(self, content: Dict[str, Any]) -> None:
        sid = content.get("id")
        if not isinstance(sid, str) or not sid or len(sid) > MAX_SESSION_ID:
            detail = f"A session frame needs a string id of 1 to {MAX_SESSION_ID} characters"
            await self.send_json(error_frame(detail))
            return
        store = self.store
        if self.delivery is not None:  # a second session frame on this socket
            await store.detach(self.delivery.key, self)
        key = SessionKey(str(self.user.pk), sid)
        self.delivery = DeliverySession(store, key)
        self._copied = {}
        resume = content.get("resume") is True
        await store.open(key, resume)
        await self.catch_up(key, resume, content)
        # Groups after the session's own stream: what a group sent while the client was away is
        # copied into the stream after what the stream already had.
        for group in self.get_followed_groups():
            await store.follow(key, group)
            await self.channel_layer.group_add(member_group(group), self.channel_name)
            await self.pull_group(group)

    async def catch_up(self, key: SessionKey, resume: bool, content: Dict[str, Any]) -> None:
        """Goes live on the session, and replays what the client missed (or says `resync`)."""
        store = self.store
        # Live first, then read what was missed: a frame numbered in between is then both read
        # and relayed, and the relay drops it by its offset, rather than neither.
        self._relaying = asyncio.Lock()
        async with self._relaying:
            await store.attach(key, self)
            offset = content.get("offset")
            if not resume:
                self.relayed = None
                return
            if isinstance(offset, int) and not isinstance(offset, bool):
                missed = (
                    await store.after(key, offset) if content.get("epoch") == self._epoch else None
                )
                if missed is not None:
                    self.relayed = offset
                    await self.send_frames(offset + 1, missed[1])
                    return
                if offset > 0 or content.get("epoch") not in (None, self._epoch):
                    await self.send_json(resync_frame(self._epoch))
            # A new session, or one that cannot be replayed: live from the newest offset.
            self.relayed = await store.newest(key)

    async def catch_up_quietly(self) -> None:
        """Sends what this socket's session has that the socket has not sent. The client pings
        after a silence, so a frame or a group's news that the channel layer lost (Redis pub/sub
        keeps nothing while a worker resubscribes after a Redis restart) waits at most the
        heartbeat's interval, instead of until the next message. Cheap when nothing is missing:
        one store call per followed group and one for the stream."""
        if self.delivery is None or self._relaying is None:
            return
        for group in self.get_followed_groups():
            await self.pull_group(group)
        async with self._relaying:
            if self.relayed is None:
                return  # not resuming: nothing numbered to catch up
            missed = await self.store.after(self.delivery.key, self.relayed)
            if missed is None:
                await self.send_json(resync_frame(self._epoch))
                self.relayed = await self.store.newest(self.delivery.key)
                return
            await self.send_frames(self.relayed + 1, missed[1])

    def get_followed_groups(self) -> Sequence[str]:
        """The groups whose messages this client's session keeps, also while it is away:
        `followed_groups`, e.g. plus a room from the URL."""
        return list(self.followed_groups)

    async def group_publish(self, group: str, content: Any) -> None:
        """Sends `content` to every session that follows `group`: each gets it once, in order,
        also a member that is away now (when it comes back, unless the log no longer reaches
        back: then `resync`). While a client message is handled, it is committed with that
        message's seq, in one step."""
        if self._published is not None:
            self._published.setdefault(group, []).append(content)
            return
        newest = await self.store.publish(group, [content])
        await self.announce(group, newest)

    async def announce(self, group: str, newest: int) -> None:
        """Tells the group's members, on every worker, that its log reaches `newest` now."""
        event = {"type": "authsocket.group", "group": group, "offset": newest}
        await self.channel_layer.group_send(member_group(group), event)

    async def pull_group(self, group: str) -> None:
        """Copies what this socket's session has not had of `group` into its stream, and sends it."""
        if self.delivery is None:
            return
        key = self.delivery.key
        pulled = await self.store.pull(key, group)
        if pulled.copied is None:
            # The store no longer has the session (Redis lost its data): follow from now on,
            # and tell the client that what was sent meanwhile is gone.
            await self.store.follow(key, group)
            self._copied[group] = 0
            await self.send_json(resync_frame(self._epoch))
            return
        self._copied[group] = max(pulled.copied, self._copied.get(group, 0))
        if pulled.resync:
            await self.send_json(resync_frame(self._epoch))
        if pulled.numbered:
            # One channel-layer message for all it copied (under load, a pull copies several).
            await self.store.notify(self.delivery.key, pulled.numbered)
        for text in pulled.live:
            await self.store.send_live(self.delivery.key, text)

    async def authsocket_group(self, event: Dict[str, Any]) -> None:
        """A group this socket's session follows has new messages (the channel layer's event)."""
        group = str(event["group"])
        if group not in self.get_followed_groups():
            return
        newest = event.get("offset")
        # A burst of publishes is one pull: the first copies all of it, the rest have nothing
        # new (another socket of the session may have pulled: then this pull finds nothing).
        if isinstance(newest, int) and newest <= self._copied.get(group, -1):
            return
        try:
            await self.pull_group(group)
        except Exception:  # the socket is closing: what was copied is kept for the replay
            logger.debug("authsocket: a group message to a closing socket was kept for later")

    async def send_frames(self, first: int, frames: List[str]) -> None:
        """Sends the frames from offset `first` on that this socket has not sent yet."""
        for offset, text in enumerate(frames, start=first):
            if self.relayed is not None and offset > self.relayed:
                await self.send(text_data=text)
                self.relayed = offset

    async def relay(self, frames: List[Tuple[int, str]]) -> None:
        """Frames of this socket's session were numbered (consecutive, oldest first): sends them
        in order, fetching first what they overtook. Frames sent already are skipped."""
        if self._relaying is None or self.delivery is None or not frames:
            return
        async with self._relaying:
            if self.relayed is None:
                return  # not resuming
            first = frames[0][0]
            if first > self.relayed + 1:  # frames numbered before these have not come yet
                missed = await self.store.after(self.delivery.key, self.relayed)
                if missed is None:  # what they skipped is no longer kept
                    await self.send_json(resync_frame(self._epoch))
                    self.relayed = first - 1
                else:
                    await self.send_frames(self.relayed + 1, missed[1])
            await self.send_frames(first, [text for _, text in frames])

    async def authsocket_relay(self, event: Dict[str, Any]) -> None:
        """The channel layer's copy of numbered frames (`RedisStore`)."""
        frames = [(int(offset), str(text)) for offset, text in event["frames"]]
        try:
            await self.relay(frames)
        except Exception:  # the socket is closing (daphne raises autobahn's Disconnected)
            logger.debug("authsocket: a relay to a closing socket was dropped")

    async def authsocket_live(self, event: Dict[str, Any]) -> None:
        """The channel layer's copy of an unnumbered message (`RedisStore`, resume off)."""
        await self.send(text_data=str(event["text"]))

    async def websocket_disconnect(self, message: Dict[str, Any]) -> None:
        if self.delivery is not None:
            try:
                await self.store.detach(self.delivery.key, self)
                for group in self.get_followed_groups():
                    await self.channel_layer.group_discard(member_group(group), self.channel_name)
            except Exception as error:
                if not store_unavailable(error):
                    raise
                # The membership expires in the channel layer by itself (its group_expiry).
                logger.info("authsocket: a closed socket's groups were left to expire")
        await super().websocket_disconnect(message)
