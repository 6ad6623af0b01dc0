"""The benchmark's clients send writes as a browser's session stands when it sends them: a saved form's answer puts a
message in the session, which the page the browser opens next shows and takes out, so every write goes with the
session it had before the last one; reads keep every cookie they are given (benchmarks.run.keeps_cookies)."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import pytest

from benchmarks.run import load
from tests.support.http import serving


class _Session(BaseHTTPRequestHandler):
    """Answers every request with the cookie it was sent plus one unread message, and notes the cookies it saw."""

    seen: list[str] = []

    def _answer(self, status: int) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        cookie = self.headers.get("Cookie", "")
        type(self).seen.append(cookie)
        value = cookie.partition("=")[2]
        self.send_response(status)
        self.send_header("Set-Cookie", f"session={value}+message; Path=/")
        self.send_header("Location", "/saved")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):  # noqa: N802 (http.server's name)
        self._answer(302)

    def do_GET(self):  # noqa: N802 (http.server's name)
        self._answer(200)

    def log_message(self, *_args):
        pass


@pytest.fixture
def server():
    _Session.seen = []
    with serving(_Session) as port:
        yield port


def test_every_write_is_sent_with_the_session_it_started_with(server):
    result = load(server, [{"session": "signed-in"}] * 2, "POST", "/new", 0.3, [{"title": "x"}] * 2)
    assert result["requests"] >= 4 and result["error_count"] == 0
    assert set(_Session.seen) == {"session=signed-in"}  # no write carries the messages of the writes before it


def test_reads_keep_the_cookies_each_answer_sets(server):
    load(server, [{"session": "signed-in"}], "GET", "/page", 0.2)
    assert len(_Session.seen) >= 2
    assert _Session.seen[1] == "session=signed-in+message"  # the second read sends what the first one was given
