"""Browser journeys: one real server on a free localhost port (fresh migrated database with the demo data) and one
Debian Chromium driven by Playwright for the whole session; skipped only where no Chromium is installed."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import socket
import threading
from pathlib import Path

import pytest

from tests.browser.pages import ARTIFACTS, AxeLog, Browsing
from tests.conftest import create_test_database
from tests.support import clock

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium")) if p and Path(p).exists()), None)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
HERE = Path(__file__).resolve().parent
_BROWSER_STARTED: list[bool] = []


SKIP_REASON = (
    "Chromium is not installed (/usr/bin/chromium or `chromium` on PATH): browser journeys not run. "
    "Install Debian's chromium package (.ci/run does) to run them."
)


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(HERE):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    """Said even under -q: whether the browser journeys ran, and where their screenshots and axe report are."""
    if not CHROMIUM:
        terminalreporter.write_line(SKIP_REASON, yellow=True, bold=True)
    elif _BROWSER_STARTED:
        terminalreporter.write_line(f"Browser screenshots and axe-core report (axe-report.md): {ARTIFACTS}")


class LiveServer:
    """The app served by werkzeug in a background thread; `app` gives tests database access (outbox, tokens)."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)  # port 0: the OS picks a free one
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="browser-live-server", daemon=True)

    def cli(self, *args: str) -> str:
        """Run one of the app's command-line tasks (as cron would) and return what it printed."""
        with self.app.app_context():  # as `flask` itself provides; the test runner calls the command group directly
            result = self.app.test_cli_runner().invoke(args=list(args))
        assert result.exit_code == 0, f"flask {' '.join(args)} failed: {result.output}{result.exception!r}"
        return result.output

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=10)


class MailCatcher:
    """An SMTP server on localhost that keeps every message, so a journey can follow the link in an email."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        with socket.socket() as probe:  # a free port: aiosmtpd's readiness check cannot use port 0
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.messages: list[email.message.EmailMessage] = []
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture(scope="session")
def mail():
    catcher = MailCatcher()
    catcher.controller.start()
    yield catcher
    catcher.controller.stop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, mail):
    from flask_migrate import upgrade

    from trainee_portal import create_app, demo
    from trainee_portal.extensions import db

    database_url, drop = create_test_database(prefix="portal_browser")
    instance = tmp_path_factory.mktemp("browser-instance")
    previous = os.environ.get("PORTAL_INSTANCE_PATH")
    os.environ["PORTAL_INSTANCE_PATH"] = str(instance)  # keep the developer's instance/config.py out of the run
    app = create_app(
        {
            "SECRET_KEY": "browser-test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PUBLIC_BASE_URL": "http://127.0.0.1",  # the live server's port is added once it is known
            "RATELIMIT_ENABLED": False,  # the journeys sign in more often than the login limit allows one person
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast demo accounts; production uses scrypt
            "UPLOAD_DIR": str(instance / "uploads"),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": mail.port,  # `flask send-outbox` delivers here; the assessor journey follows the emailed link
        }
    )  # CSRF stays on: the browser submits real forms with their tokens
    if previous is None:
        os.environ.pop("PORTAL_INSTANCE_PATH")
    else:
        os.environ["PORTAL_INSTANCE_PATH"] = previous
    with app.app_context():
        upgrade()
        demo.load_demo(today=clock.today())
    try:
        server = LiveServer(app)
        app.config["PUBLIC_BASE_URL"] = server.url  # emailed links lead to this server
        with server:
            yield server
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        _BROWSER_STARTED.append(True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_log():
    log = AxeLog()
    yield log
    log.write(ARTIFACTS / "axe-report.md")


@pytest.fixture
def browsing(chromium, live_server, axe_log, request):
    """Opens signed-in (or anonymous) browser pages for one test; closes them, checking every page was clean (Tab)."""
    session = Browsing(chromium, live_server, axe_log, request.node.name)
    yield session
    session.close()
