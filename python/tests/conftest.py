"""Fixtures: users, tokens of every kind, and a connected communicator with its first frame."""

import base64
from datetime import timedelta
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, Tuple

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache

from tests.app import application

ORIGIN = (b"origin", b"http://testserver")


@pytest.fixture(autouse=True)
def clear_cache() -> None:
    cache.clear()


@pytest.fixture
def alice(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(username="alice", password="alice")


@pytest.fixture
def bob(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(username="bob", password="bob")


def jwt_for(user: Any, ttl: Optional[float] = None) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken.for_user(user)
    if ttl is not None:
        token.set_exp(lifetime=timedelta(seconds=ttl))
    return str(token)


def drf_token_for(user: Any) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


def bearer_protocol(token: str) -> str:
    encoded = base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")
    return f"authsocket.bearer.{encoded}"


class Socket:
    """A connected communicator, what it was accepted with, and the frames and close it got."""

    def __init__(self, communicator: WebsocketCommunicator, subprotocol: Optional[str]) -> None:
        self.communicator = communicator
        self.subprotocol = subprotocol
        #: Its application raised (a test that makes it): not disconnected at teardown.
        self.crashed = False

    async def frame(self, timeout: float = 1) -> Dict[str, Any]:
        return await self.communicator.receive_json_from(timeout)

    async def closed(self, timeout: float = 1) -> int:
        """The close code the server sent next, skipping nothing: a frame first fails the test."""
        message = await self.communicator.receive_output(timeout)
        assert message["type"] == "websocket.close", message
        code = message.get("code", 1000)
        assert type(code) is int  # autobahn (under daphne) drops a close whose code is an IntEnum
        return code

    async def send(self, content: Any) -> None:
        await self.communicator.send_json_to(content)

    async def status(self) -> Tuple[int, Dict[str, Any]]:
        frame = await self.frame()
        assert frame["action"] == "authentication", frame
        return frame["payload"]["status_code"], frame["payload"]["data"]


Opener = Callable[..., Any]


@pytest.fixture
async def connect() -> AsyncIterator[Opener]:
    opened: List[Socket] = []

    async def open_socket(
        path: str,
        headers: Optional[List[Tuple[bytes, bytes]]] = None,
        subprotocols: Optional[List[str]] = None,
        origin: bool = True,
    ) -> Socket:
        all_headers = ([ORIGIN] if origin else []) + (headers or [])
        communicator = WebsocketCommunicator(
            application, path, headers=all_headers, subprotocols=subprotocols
        )
        connected, subprotocol = await communicator.connect()
        assert connected
        opened.append(Socket(communicator, subprotocol))
        return opened[-1]

    yield open_socket
    for socket in opened:
        if not socket.crashed:
            await socket.communicator.disconnect()


@pytest.fixture
def make_jwt() -> Callable[..., Any]:
    return sync_to_async(jwt_for)


@pytest.fixture
def alice_jwt(alice: Any) -> str:
    return jwt_for(alice)


@pytest.fixture
def alice_drf(alice: Any) -> str:
    return drf_token_for(alice)


@pytest.fixture
def bob_jwt(bob: Any) -> str:
    return jwt_for(bob)
