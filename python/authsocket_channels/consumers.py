"""A Channels consumer that speaks authsocket's protocol (docs/PROTOCOL.md).

`AuthSocketConsumer` accepts the socket, then says in band whether the credential is good:
a 200 status frame (Chanx's shape) with the user, `expires_at`, `server_time` and `reauth`, or a
401 or 403 frame with a detail followed by close 4001 or 4003. A browser cannot read why an
upgrade was refused (daphne answers HTTP 403 and the browser sees 1006), so refusing after
`accept()` is what lets the client tell a bad credential from a bad network.

Override the hooks, as with Channels' own generic consumers:

- `has_permission(user)`: may this user use this socket (a room, an object)? Return `False`, or
  raise `PermissionDenied("why")`, for a 403 frame and close 4003; the client stops retrying.
- `authenticated_groups` (or `get_authenticated_groups()`): channel-layer groups joined once
  the user is known and allowed, before the 200 frame leaves (nothing sent to them after the
  client hears 200 is missed, and a refused socket never joins), left when the socket closes.
- `authenticated()`: runs then too, for anything else a socket sets up once admitted.
- `receive_json(content)`: each application frame (a JSON object); the protocol's own frames
  never reach it.
- `get_user_data(user)`, `get_announcements()`: what the 200 frame says.

It enforces expiry: at `expires_at` it sends a 401 frame (`Token expired`) and closes 4001,
unless the client re-authenticated in band first (`{"action": "authenticate", "payload":
{"token": ...}}` or `{"ticket": ...}`), which it accepts while `reauth` is on. With
`first_message = True` it authenticates the first frame instead of the handshake, and closes
4008 if none comes within `AUTHSOCKET["FIRST_MESSAGE_TIMEOUT"]` seconds.

Input it cannot read gets an error frame and the socket lives on; a frame over
`AUTHSOCKET["MAX_FRAME_BYTES"]` gets an error frame and close 4009. No token reaches a frame, a log line or an
exception text.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
from typing import Any, Dict, Optional, Sequence

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from . import tickets
from .authenticators import (
    AuthenticationFailed,
    Authenticator,
    Identity,
    authenticate_token,
    user_by_pk,
)
from .frames import REFUSAL_CLOSE, CloseCode, error_frame, retry_frame, status_frame
from .middleware import INVALID_TICKET, AuthState
from .origins import origin_refusal
from .settings import authsocket_settings

logger = logging.getLogger("authsocket_channels")

NOT_JSON = "Frames must be JSON"
NOT_OBJECT = "Frames must be JSON objects"
NOT_TEXT = "Binary frames are not accepted: send JSON text"


class PermissionDenied(Exception):
    """Raised by `has_permission` to refuse with a 403 frame whose detail is `detail`."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def json_depth_exceeds(content: Any, limit: int) -> bool:
    """Whether `content` nests deeper than `limit` (walked without recursion)."""
    pending = [(content, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, (dict, list)):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            pending.extend((child, depth + 1) for child in children)
    return False


def json_number(value: float) -> Any:
    return int(value) if float(value).is_integer() else value


class AuthSocketConsumer(AsyncJsonWebsocketConsumer):
    """The protocol's consumer: status frames, close codes, permission, expiry, re-authentication."""

    #: Authenticate the first frame rather than the handshake (the client's `firstMessage()`).
    first_message: bool = False
    #: Accept in-band re-authentication; `None` reads `AUTHSOCKET["REAUTH"]`.
    reauth: Optional[bool] = None
    #: camelCase status frames (Chanx with `CAMELIZE`); `None` reads `AUTHSOCKET["CAMEL_CASE"]`.
    camel_case: Optional[bool] = None
    #: The status of the frame for a socket with no credential at all. DRF apps whose first
    #: authentication class is `SessionAuthentication` answer 403 there; the client treats 403
    #: as final, 401 as "ask for a fresh credential".
    unauthenticated_status: int = 401
    unauthenticated_detail: str = "Authentication credentials were not provided."
    permission_denied_detail: str = "You do not have permission to perform this action."
    #: Replaces `AUTHSOCKET["AUTHENTICATORS"]` for in-band and first-message tokens.
    authenticators: Optional[Sequence[Authenticator]] = None
    #: The cache alias for tickets in band; `None` reads `AUTHSOCKET["TICKET_CACHE"]`.
    ticket_cache: Optional[str] = None
    #: Channel-layer groups the socket joins once the user is admitted (before the 200 frame)
    #: and leaves when it closes. Unlike Channels' `groups`, joined at connect, a socket that is
    #: refused never receives what is sent to them. `get_authenticated_groups()` for per-user ones.
    authenticated_groups: Sequence[str] = ()

    #: The authenticated user, once the 200 frame is sent; `None` before.
    user: Any = None
    #: When the credential stops being honoured (unix seconds), if it does.
    expires_at: Optional[float] = None

    _refused = False
    _joined: Sequence[str] = ()
    _expiry: Optional["asyncio.Future[None]"] = None
    _deadline: Optional["asyncio.Future[None]"] = None

    # Hooks.

    async def has_permission(self, user: Any) -> bool:
        """Whether `user` may use this socket; raise `PermissionDenied(detail)` to say why not."""
        return True

    async def authenticated(self) -> None:
        """Runs once per socket, after `has_permission`, before the 200 frame is sent."""

    def get_authenticated_groups(self) -> Sequence[str]:
        """The groups to join once admitted: `authenticated_groups`, e.g. plus `f"user.{self.user.pk}"`."""
        return list(self.authenticated_groups)

    def get_user_data(self, user: Any) -> Dict[str, Any]:
        """The public identity the 200 frame carries as `user`."""
        pk = user.pk if isinstance(user.pk, (int, str)) else str(user.pk)
        return {"id": pk, "name": user.get_username()}

    def get_announcements(self) -> Dict[str, Any]:
        """More members of the 200 frame's `data` (the extensions this consumer serves)."""
        return {}

    async def receive_binary(self, bytes_data: bytes) -> None:
        """A binary frame after authentication; the protocol is JSON text, so it gets an error frame."""
        await self.send_json(error_frame(NOT_TEXT))

    # The protocol.

    @property
    def reauth_enabled(self) -> bool:
        return authsocket_settings.REAUTH if self.reauth is None else self.reauth

    @property
    def camel(self) -> bool:
        return authsocket_settings.CAMEL_CASE if self.camel_case is None else self.camel_case

    @property
    def auth_state(self) -> AuthState:
        state = self.scope.get("authsocket")
        return state if isinstance(state, AuthState) else AuthState()

    def select_subprotocol(self) -> Optional[str]:
        """The subprotocol to accept: `AUTHSOCKET["SUBPROTOCOL"]` when the client offered it."""
        wanted = authsocket_settings.SUBPROTOCOL
        return wanted if wanted in self.scope.get("subprotocols", []) else None

    async def connect(self) -> None:
        await self.accept(self.select_subprotocol())
        state = self.auth_state
        method = "first-message" if self.first_message else state.method
        refusal = origin_refusal(self.scope, method)
        if refusal is not None:
            await self.refuse(403, refusal)
            return
        if self.first_message:
            self._deadline = asyncio.ensure_future(self._close_unless_authenticated())
            return
        if state.error is not None:
            await self.refuse(401, state.error)
            return
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(self.unauthenticated_status, self.unauthenticated_detail)
            return
        await self.admit(Identity(user, state.expires_at))

    async def refuse(self, status: int, detail: str, close_code: Optional[int] = None) -> None:
        """Sends a 401 or 403 frame and closes with PROTOCOL.md's code; nothing more is read."""
        if self._refused:
            return
        self._refused = True
        self._cancel_timers()
        await self.send_json(status_frame(status, detail, self.camel))
        # A plain int: daphne hands the code to autobahn, which refuses an IntEnum (seen here:
        # the close was never sent).
        await self.close(code=int(close_code or REFUSAL_CLOSE[status]))

    async def admit(self, identity: Identity) -> None:
        """Checks permission and expiry, then sends the 200 frame (again, after re-authentication)."""
        denied = await self._permission_refusal(identity.user)
        if denied is not None:
            await self.refuse(403, denied)
            return
        if identity.expires_at is not None and identity.expires_at <= time.time():
            await self.refuse(401, "Token expired")
            return
        first = self.user is None
        self.user = identity.user
        self.expires_at = identity.expires_at
        if first:
            self._joined = list(self.get_authenticated_groups())
            for group in self._joined:
                await self.channel_layer.group_add(group, self.channel_name)
            await self.authenticated()
        data: Dict[str, Any] = {
            "user": self.get_user_data(identity.user),
            "server_time": int(time.time() * 1000),
            "reauth": self.reauth_enabled,
        }
        if identity.expires_at is not None:
            data["expires_at"] = json_number(identity.expires_at)
        data.update(self.get_announcements())
        await self.send_json(status_frame(200, "OK", self.camel, **data))
        self._schedule_expiry()

    async def _permission_refusal(self, user: Any) -> Optional[str]:
        try:
            allowed = self.has_permission(user)
            if inspect.isawaitable(allowed):
                allowed = await allowed
        except PermissionDenied as denied:
            return denied.detail
        return None if allowed else self.permission_denied_detail

    async def identify(self, payload: Any) -> Identity:
        """The identity of an authenticate frame's payload (`token` or `ticket`)."""
        if isinstance(payload, dict) and isinstance(payload.get("ticket"), str):
            user_pk = await database_sync_to_async(tickets.redeem)(
                payload["ticket"], self.ticket_cache
            )
            user = await user_by_pk(user_pk) if user_pk is not None else None
            if user is None or not user.is_authenticated:
                raise AuthenticationFailed(INVALID_TICKET)
            return Identity(user)
        if isinstance(payload, dict) and isinstance(payload.get("token"), str):
            return await authenticate_token(payload["token"], self.authenticators)
        raise AuthenticationFailed('An authenticate frame carries {"payload": {"token": "..."}}.')

    async def reauthenticate(self, content: Dict[str, Any]) -> None:
        if not self.reauth_enabled:
            await self.send_json(
                error_frame("This socket does not re-authenticate in band: reconnect.")
            )
            return
        try:
            identity = await self.identify(content.get("payload"))
        except AuthenticationFailed as refusal:
            await self.refuse(401, refusal.detail)
            return
        if identity.user.pk != self.user.pk:
            await self.refuse(401, "The new credential is another user's.")
            return
        await self.admit(identity)

    async def authenticate_first_frame(self, content: Any) -> None:
        """First-message mode: `{"action": "authenticate", "payload": {"token"}}`, or the common
        tutorials' `{"token": ...}`; anything else is refused."""
        payload = None
        if isinstance(content, dict) and content.get("action") == "authenticate":
            payload = content.get("payload")
        elif isinstance(content, dict) and isinstance(content.get("token"), str):
            payload = {"token": content["token"]}
        if payload is None:
            await self.refuse(401, "The first frame must authenticate.")
            return
        if self._deadline is not None:
            self._deadline.cancel()
        try:
            identity = await self.identify(payload)
        except AuthenticationFailed as refusal:
            await self.refuse(401, refusal.detail)
            return
        await self.admit(identity)

    async def _close_unless_authenticated(self) -> None:
        await asyncio.sleep(authsocket_settings.FIRST_MESSAGE_TIMEOUT)
        if self.user is None and not self._refused:
            self._refused = True
            try:
                await self.close(code=int(CloseCode.AUTH_TIMEOUT))
            except Exception:  # the socket closed meanwhile
                logger.debug("authsocket: the socket closed before its deadline")

    def _schedule_expiry(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        if self.expires_at is not None:
            self._expiry = asyncio.ensure_future(self._expire(self.expires_at))

    async def _expire(self, at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.time()))
        self._expiry = None  # this task is ending: refuse() must not cancel it under itself
        try:
            await self.refuse(401, "Token expired")
        except (
            Exception
        ):  # the socket closed meanwhile (daphne raises on a send to a closing socket)
            logger.debug("authsocket: the socket closed before its expiry frame was sent")

    def _cancel_timers(self) -> None:
        current = asyncio.current_task()
        for task in (self._expiry, self._deadline):
            if task is not None and task is not current:
                task.cancel()

    # Frames in.

    async def receive(
        self, text_data: Optional[str] = None, bytes_data: Optional[bytes] = None, **kwargs: Any
    ) -> None:
        if self._refused:
            return  # refused: nothing more is processed
        if text_data is None:
            if self.user is not None:
                await self.receive_binary(bytes_data or b"")
            return
        limit = authsocket_settings.MAX_FRAME_BYTES
        if len(text_data) > limit or len(text_data.encode("utf-8", "surrogatepass")) > limit:
            # Closed rather than skipped: an acknowledged message must not be lost silently
            # behind the ones after it. The client stops (docs/PROTOCOL.md section 3).
            self._refused = True
            self._cancel_timers()
            await self.send_json(error_frame(f"Frames may be at most {limit} bytes"))
            await self.close(code=int(CloseCode.MESSAGE_TOO_BIG))
            return
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):
            await self.send_json(error_frame(NOT_JSON))
            return
        depth = authsocket_settings.MAX_JSON_DEPTH
        if json_depth_exceeds(content, depth):
            await self.send_json(error_frame(f"Frames may nest at most {depth} levels"))
            return
        if self.user is None:
            # Frames before authentication are not processed; in first-message mode the first one authenticates.
            if self.first_message and self._deadline is not None and not self._deadline.done():
                await self.authenticate_first_frame(content)
            return
        if isinstance(content, dict) and content.get("action") == "authenticate":
            await self.reauthenticate(content)
            return
        await self.receive_frame(content, **kwargs)

    async def receive_frame(self, content: Any, **kwargs: Any) -> None:
        """An authenticated socket's frame that is not re-authentication; the delivery mixin claims its own here."""
        if not isinstance(content, dict):
            await self.send_json(error_frame(NOT_OBJECT))
            return
        await self.receive_json(content, **kwargs)

    async def close_and_retry_after(self, after: float, jitter: float = 0.0) -> None:
        """Closes the socket, telling the client to come back in `after` seconds plus a random
        part of `jitter` (a worker shutting down for a deploy, or shedding load): the client waits
        that long instead of its own backoff (at most a minute), so its fleet returns spread out."""
        if after < 0 or jitter < 0:
            raise ValueError("after and jitter are seconds, 0 or more")
        self._cancel_timers()
        await self.send_json(retry_frame(round(after * 1000), round(jitter * 1000)))
        await self.close(code=1000)

    async def send_message(self, content: Any) -> None:
        """Sends an application message. With `DeliveryMixin`, numbered and kept for a resume."""
        await self.send_json(content)

    async def dispatch(self, message: Dict[str, Any]) -> None:
        try:
            await super().dispatch(message)
        except BaseException:
            # The application raised: the consumer is gone, and its expiry timer with it.
            self._cancel_timers()
            raise

    async def websocket_disconnect(self, message: Dict[str, Any]) -> None:
        self._cancel_timers()
        for group in self._joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        await super().websocket_disconnect(message)
