"""authsocket for Django Channels: the server half of the authsocket client.

The modules, each one concept:

- `authsocket_channels.middleware`: `AuthSocketMiddleware`, `AuthSocketMiddlewareStack`
- `authsocket_channels.consumers`: `AuthSocketConsumer`, `PermissionDenied`
- `authsocket_channels.delivery`: `DeliveryMixin` (heartbeat, acknowledged sends, resume)
- `authsocket_channels.authenticators`: `authenticate(token) -> (user, expires_at)` callables
- `authsocket_channels.tickets`, `authsocket_channels.views`: single-use tickets
- `authsocket_channels.rotation`: refresh-token rotation for simplejwt
- `authsocket_channels.settings`: the `AUTHSOCKET` setting; `checks`: its system checks
- `authsocket_channels.redact`: a logging filter for access logs

Importing this package imports no Django module, so it works before settings are configured.
"""

__version__ = "0.1.0"
