"""A page's sequential requests and its bare route's are sent in turn (benchmarks.run.sequential with `beside`), so the
floor's framework part is measured in the same moments as the page, and each path's figures are its own."""

from __future__ import annotations

import os
import time
from http.server import BaseHTTPRequestHandler

import pytest

from benchmarks.run import sequential
from tests.support.http import serving

PATHS = {"/page": (0.02, 7), "/bare": (0.002, 2), "/uncounted": (0, None)}  # path: (seconds, statements it reports)


class _Paths(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).seen.append(self.path)
        seconds, statements = PATHS[self.path]
        time.sleep(seconds)
        body = self.path.encode() * 3
        self.send_response(200)
        if statements is not None:
            self.send_header("X-SQL-Queries", str(statements))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def log_message(self, *_args):
        pass


class _Server:
    def cpu_pids(self) -> list[int]:
        return [os.getpid()]


@pytest.fixture
def port():
    _Paths.seen = []
    with serving(_Paths) as port:
        yield port


def test_the_page_and_its_bare_route_are_timed_in_turn_each_with_its_own_figures(port):
    from benchmarks.client import Client

    figures = sequential(_Server(), Client(port), "GET", "/page", 5, warmup=1, beside="/bare")
    assert _Paths.seen == ["/page", "/bare"] * 6  # the warm-up pair, then five timed pairs
    bare = figures.pop("beside")
    assert figures["n"] == bare["n"] == 5
    assert figures["median_ms"] >= 20 > bare["median_ms"]
    assert (figures["sql_mode"], bare["sql_mode"]) == (7, 2)
    assert (figures["bytes"], bare["bytes"]) == (15, 15)
    assert figures["server_cpu_ms"] >= 0 and bare["server_cpu_ms"] >= 0


def test_without_a_bare_route_only_the_page_is_requested(port):
    from benchmarks.client import Client

    figures = sequential(_Server(), Client(port), "GET", "/page", 3, warmup=0)
    assert _Paths.seen == ["/page"] * 3 and "beside" not in figures and figures["sql_mode"] == 7


def test_a_floor_without_its_statement_count_is_named_by_the_method_it_was_sent_with(port):
    from benchmarks.client import Client

    figures = sequential(_Server(), Client(port), "POST", "/page", 2, form={"a": "b"}, warmup=0, beside="/uncounted")
    assert figures == {"error": "GET /uncounted has no X-SQL-Queries header (is BENCHMARK_SQL_COUNT on?)"}


def test_the_pages_own_statements_are_replayed_in_turn_with_it_and_timed_apart(port):
    """The floor's raw part is measured in the same moments as the page and its bare route: one replay after each
    pair, none during the warm-up, each replay's own wall and CPU time kept."""
    from benchmarks.client import Client

    order = []

    def replay():
        order.append(list(_Paths.seen))
        time.sleep(0.005)
        return 0.005, 0.001

    figures = sequential(_Server(), Client(port), "GET", "/page", 4, warmup=1, beside="/bare", replay=replay)
    assert [len(seen) for seen in order] == [4, 6, 8, 10]  # after the warm-up pair and each timed pair
    assert all(seen[-2:] == ["/page", "/bare"] for seen in order)
    assert figures["replay"]["n"] == 4 and figures["replay"]["median_ms"] == 5.0 and figures["replay"]["cpu_ms"] == 1.0


def test_a_replay_that_fails_stops_replaying_and_the_requests_go_on(port):
    from benchmarks.client import Client
    from benchmarks.pages import ReplayError

    calls = []

    def replay():
        calls.append(1)
        raise ReplayError(ValueError("a replayed key"), "INSERT INTO region ...")

    figures = sequential(_Server(), Client(port), "GET", "/page", 3, warmup=0, beside="/bare", replay=replay)
    assert calls == [1] and figures["n"] == 3
    assert figures["replay"] == {"error": "ValueError: a replayed key", "statement": "INSERT INTO region ..."}
