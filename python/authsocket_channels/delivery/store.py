"""Where delivery sessions live: what every store does, and the store the settings name.

A delivery session is a client's (its user and the id it chose), and it outlives sockets: the
last `seq` delivered to the application (acknowledged sends), and the numbered messages sent to
it, the newest kept for a replay (resume). `MemoryStore` keeps them in the process (one worker);
`RedisStore` in Redis, so a client may come back to any worker. Each step a store takes is whole
or not at all: a worker killed at any instruction leaves no half-done step behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from ..settings import authsocket_settings

if TYPE_CHECKING:
    from .mixin import DeliveryMixin


@dataclass(frozen=True)
class Commit:
    """What `commit` did: whether the seq was new, the last delivered seq, the numbered frames,
    and the newest offset of each group it published to."""

    new: bool
    delivered: int
    numbered: List[Tuple[int, str]]
    groups: Dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Pull:
    """What `pull` copied: `resync` if some was no longer kept, the numbered frames, or (a
    session that does not resume) the messages' JSON texts to send unnumbered; `copied`, the
    group's offset the session has had everything up to (`None`: it does not follow the group)."""

    resync: bool
    numbered: List[Tuple[int, str]]
    live: List[str]
    copied: Optional[int] = None


@dataclass(frozen=True)
class SessionKey:
    """A delivery session: its user's primary key (as text) and the id the client chose."""

    owner: str
    sid: str


def store_unavailable(error: BaseException) -> bool:
    """Whether `error` says the store (or the channel layer on the same Redis) cannot be reached
    now: refused, reset, restarting (loading its data) or past `REDIS_TIMEOUT`."""
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # the memory store alone: no Redis to be unavailable
        return False
    return isinstance(error, (RedisConnectionError, RedisTimeoutError))


def frame_before(epoch: str) -> str:
    return '{"action": "message", "epoch": ' + json.dumps(epoch) + ', "offset": '


def frame_after(data: str) -> str:
    """The end of a numbered frame whose data is the JSON text `data`."""
    return ', "data": ' + data + "}"


class SessionStore:
    """What the delivery mixin needs of a store; `MemoryStore` and `RedisStore` implement it."""

    async def epoch(self) -> str:
        """The store's stream: offsets from another epoch (before the store lost its data) cannot be replayed."""
        raise NotImplementedError

    async def open(self, key: SessionKey, resume: bool) -> None:
        """The session is (again) in use, numbering its messages when `resume`."""
        raise NotImplementedError

    async def delivered(self, key: SessionKey) -> int:
        """The last `seq` delivered to the application (0 before the first)."""
        raise NotImplementedError

    async def commit(
        self,
        key: SessionKey,
        seq: int,
        contents: List[Any],
        published: Optional[Dict[str, List[Any]]] = None,
    ) -> Commit:
        """One step, whole or not at all: marks `seq` delivered if it is newer than the last
        (`seq` 0 marks nothing) and, if it was, numbers and keeps `contents`, the messages the
        application sent the session while handling it, and appends `published` to the groups'
        logs. A resuming session's frames come back numbered; a session that does not resume
        keeps nothing of its own (they go out unnumbered)."""
        raise NotImplementedError

    async def follow(self, key: SessionKey, group: str) -> None:
        """The session follows `group` from its newest message on, unless it follows it already."""
        raise NotImplementedError

    async def publish(self, group: str, contents: List[Any]) -> int:
        """Appends `contents` to the group's log (the newest `GROUP_LOG_SIZE` are kept); returns
        the group's newest offset."""
        raise NotImplementedError

    async def pull(self, key: SessionKey, group: str) -> "Pull":
        """One step: copies what the session has not had of `group` into its own stream (numbered
        when it resumes); `resync` when the log no longer reaches back to where it was."""
        raise NotImplementedError

    async def push(self, key: SessionKey, content: Any) -> Optional[Tuple[int, str]]:
        """Numbers and keeps `content`: `(offset, frame text)`, or `None` when the session does not
        resume (the message then goes out unnumbered, to a live socket only)."""
        numbered = (await self.commit(key, 0, [content])).numbered
        return numbered[0] if numbered else None

    async def after(self, key: SessionKey, offset: int) -> Optional[Tuple[int, List[str]]]:
        """`(the newest offset, the frames after offset)`, or `None` when they are no longer kept."""
        raise NotImplementedError

    async def newest(self, key: SessionKey) -> int:
        """The newest offset the session numbered (0 before its first)."""
        raise NotImplementedError

    async def attach(self, key: SessionKey, consumer: "DeliveryMixin") -> None:
        """`consumer` is the session's live socket from now on."""
        raise NotImplementedError

    async def detach(self, key: SessionKey, consumer: "DeliveryMixin") -> None:
        raise NotImplementedError

    async def notify(self, key: SessionKey, frames: List[Tuple[int, str]]) -> None:
        """Tells the session's live socket, wherever it is, about numbered frames (offset, text),
        consecutive and oldest first: one message for all of them."""
        raise NotImplementedError

    async def send_live(self, key: SessionKey, text: str) -> None:
        """Sends an unnumbered message to the session's live socket, if there is one."""
        raise NotImplementedError


_store: Optional[SessionStore] = None
_store_for: Optional[Tuple[str, Optional[str]]] = None


def get_store() -> SessionStore:
    """The store of `AUTHSOCKET["DELIVERY_STORE"]` (made once per process, again if the setting changes)."""
    global _store, _store_for
    wanted = (authsocket_settings.DELIVERY_STORE, authsocket_settings.REDIS_URL)
    if _store is None or _store_for != wanted:
        if wanted[0] == "redis":
            from .redis_store import RedisStore

            _store = RedisStore(wanted[1])
        else:
            from .memory import MemoryStore

            _store = MemoryStore()
        _store_for = wanted
    return _store


def forget_store() -> None:
    """Drops this process's store, as a restarted worker would (tests)."""
    global _store, _store_for
    _store = None
    _store_for = None
