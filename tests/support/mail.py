"""A real SMTP server for the tests that send mail: the `smtp` fixture (tests/app/conftest.py names it)."""

from __future__ import annotations

import socket

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailSink:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email

        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp(app):
    """A real SMTP server on a free localhost port, with MAIL_* pointed at it for the test."""
    from aiosmtpd.controller import Controller

    sink, port = MailSink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield sink
    app.config.update(saved)
    controller.stop()
