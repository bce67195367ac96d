from django.apps import AppConfig


class AuthsocketChannelsConfig(AppConfig):
    """Add `"authsocket_channels"` to INSTALLED_APPS for the system checks of the AUTHSOCKET setting."""

    name = "authsocket_channels"
    verbose_name = "authsocket for Django Channels"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the checks)
