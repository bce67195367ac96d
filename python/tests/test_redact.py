"""The log filter keeps `?token=` and `?ticket=` out of access-log lines."""

import logging

from authsocket_channels.redact import RedactCredentials


def test_query_credentials_are_redacted() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "GET %s HTTP/1.1" %d',
        ("127.0.0.1", "/ws/chat/?room=1&token=eyJ.secret.sig&ticket=abc", 101),
        None,
    )
    assert RedactCredentials().filter(record) is True
    assert (
        record.getMessage()
        == '127.0.0.1 - "GET /ws/chat/?room=1&token=[redacted]&ticket=[redacted] HTTP/1.1" 101'
    )
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "GET /health?tokens=1", None, None)
    RedactCredentials().filter(plain)
    assert plain.getMessage() == "GET /health?tokens=1"
