"""Pain Medicine training portal: the Flask application factory."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from jinja2 import ChainableUndefined, ChoiceLoader, PackageLoader
from limits import parse_many
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from trainee_portal import (
    admin,
    api,
    arcp,
    auth,
    cohort,
    commands,
    dashboard,
    drafts,
    exams,
    halo,
    home,
    imports,
    logbook,
    models,
    msf,
    notifications,
    packs,
    panels,
    rules,
    settings,
    signoff,
    training_time,
    transitions,
    verify,
)
from trainee_portal.extensions import APP_FACTORY, csrf, db, limiter, login_manager, migrate
from trainee_portal.platform import (
    assets,
    benchmarking,
    clock,
    errors,
    hardening,
    inputs,
    navigation,
    security,
    sqlite_writes,
    tables,
    tasks,
    words,
)
from trainee_portal.stages import STAGE_TITLES, make_stage_blueprint

PROJECT_ROOT = Path(__file__).resolve().parent.parent
__all__ = ["create_app", "models"]  # importing models registers the tables


def create_app(config: dict | None = None) -> Flask:
    """The portal, built in named steps: settings, templates, extensions, request plumbing, features, commands."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("PORTAL_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
    )
    app.extensions[APP_FACTORY] = create_app
    _load_settings(app, config)
    _configure_templates(app)
    _init_extensions(app)
    _register_platform(app)
    _register_features(app)
    commands.init_app(app)
    return app


def _load_settings(app: Flask, config: dict | None) -> None:
    """Defaults, then instance/config.py, then the environment, then what the caller passed; checked before use."""
    app.config.from_object(settings.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(settings.from_environment())
    if config:
        app.config.update(config)
    _fill_derived_settings(app)
    _refuse_default_secret(app)
    _require_public_base_url(app)
    _check_throttle_limits(app)


def _configure_templates(app: Flask) -> None:
    app.jinja_options = {
        "undefined": ChainableUndefined,  # the NHS.UK macros read optional nested parameters
        "loader": ChoiceLoader(
            [
                app.create_global_jinja_loader(),  # the app's and every blueprint's templates
                PackageLoader("nhsuk_frontend_jinja"),
            ]
        ),
        "autoescape": True,
    }


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)


def _register_platform(app: Flask) -> None:
    """The request plumbing every page shares, in the order it must run."""
    app.url_map.converters["int"] = BoundedIntegerConverter  # before any route is added
    security.init_app(app)  # sign-in, sessions, security headers
    inputs.init_app(app)  # control characters removed from all input
    hardening.init_app(app)  # Secure cookie, expiry, ProxyFix, body cap
    assets.init_app(app)
    benchmarking.init_app(app)  # opt-in benchmark instrumentation, off by default
    errors.init_app(app)
    navigation.init_app(app)
    tasks.init_app(app)  # the background queue, with the tasks the features registered on import
    clock.init_app(app)  # stored times shown on the UK's clock (the uk and days_since filters)
    words.init_app(app)  # the plural filter: "1 sign-off", "2 sign-offs"
    tables.init_app(app)  # stack_cells: a responsive table's cells each carry their column's heading on a phone


# One blueprint per feature, found by its URL's first segment; the stage blueprint is registered once per stage. A
# feature with several blueprints (the API) registers them itself with its init_app.
FEATURES = (
    auth,
    home,
    signoff,
    notifications,
    cohort,
    arcp,
    exams,
    admin,
    logbook,
    dashboard,
    rules,
    halo,
    msf,
    panels,
    training_time,
    transitions,
    packs,
    verify,
    drafts,
    imports,
    api,
)


def _register_features(app: Flask) -> None:
    for feature in FEATURES:
        if hasattr(feature, "init_app"):
            feature.init_app(app)
        else:
            app.register_blueprint(feature.bp)
    for level in STAGE_TITLES:
        app.register_blueprint(make_stage_blueprint(level))


class BoundedIntegerConverter(IntegerConverter):
    """<int:…> URL parts stop at the largest database integer: a longer number is a 404, not an overflow."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _fill_derived_settings(app: Flask) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'portal.sqlite3'}"
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("postgresql"):
        options.setdefault("pool_pre_ping", True)  # recover by itself after a database restart
    else:
        # Writers take turns at a lock that wakes the next at once, not SQLite's busy handler's sleeps (sqlite_writes).
        options["connect_args"] = {"timeout": 15, "factory": sqlite_writes.WriterConnection, **options.get("connect_args", {})}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config.get("NHSUK_FRONTEND_DIR"):
        app.config["NHSUK_FRONTEND_DIR"] = str(PROJECT_ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk")
    app.config.setdefault("UPLOAD_DIR", str(Path(app.instance_path) / "uploads"))


def _refuse_default_secret(app: Flask) -> None:
    if app.config["SECRET_KEY"] == settings.DEFAULT_SECRET_KEY and not (app.debug or app.testing):
        raise RuntimeError(
            "Refusing to start with the default SECRET_KEY. Set the SECRET_KEY environment variable "
            "or put SECRET_KEY = '...' in instance/config.py (scripts/run writes one for you)."
        )


def _check_throttle_limits(app: Flask) -> None:
    for name in (
        "LOGIN_FAILURES_PER_ADDRESS",
        "LOGIN_FAILURES_PER_ACCOUNT",
        "PASSWORD_RESETS_PER_ADDRESS",
        "PASSWORD_RESETS_PER_ACCOUNT",
        "VERIFY_RATE_LIMIT",
        "API_RATE_LIMIT",
        "API_UNAUTHENTICATED_RATE_LIMIT",
    ):
        try:
            parse_many(str(app.config[name]))
        except ValueError:
            raise RuntimeError(
                f'{name} must read like "10 per minute" or "5 per 15 minutes", not {app.config[name]!r}.'
            ) from None


LOCAL_HOSTS = ("127.0.0.1", "localhost")


def _require_public_base_url(app: Flask) -> None:
    """Links in emails come only from PUBLIC_BASE_URL, and requests must name its host (or TRUSTED_HOSTS): a forged
    Host header gets 400 instead of reaching any page."""
    base = (app.config.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
    if not base:
        if app.debug or app.testing:
            return  # links fall back to http://localhost:5000 and any host is answered
        raise RuntimeError(
            "Refusing to start without PUBLIC_BASE_URL, the address people open the portal at (links in emails use "
            "it). Set the PUBLIC_BASE_URL environment variable or put PUBLIC_BASE_URL = 'https://…' in "
            "instance/config.py (scripts/install writes http://127.0.0.1:5000 for a local copy)."
        )
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(
            f"PUBLIC_BASE_URL must be an http:// or https:// address like https://portfolio.example.nhs.uk, not {base!r}."
        )
    extra = app.config.get("TRUSTED_HOSTS") or []
    if isinstance(extra, str):
        extra = extra.replace(",", " ").split()
    hosts = [parts.hostname, *extra, *(LOCAL_HOSTS if parts.hostname in LOCAL_HOSTS else ())]
    app.config["PUBLIC_BASE_URL"] = base
    app.config["TRUSTED_HOSTS"] = list(dict.fromkeys(h.lower() for h in hosts))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite: write-ahead log so readers never block the writer, a busy timeout, and enforced foreign keys.

    synchronous=FULL: every commit is fsynced to the WAL before it is acknowledged, so a write the user was told
    about survives a power cut (NORMAL may lose the last commits). Measured 2026-11-30 on the 2-core dev VM (ext4,
    loadavg 1.0-3.0): 300 single-row commits took 5-6 ms with NORMAL and 53-115 ms with FULL (0.2-0.4 ms more a
    commit); 300 logbook saves through the test client, 11-18 ms each either way (the README has the figures).
    PostgreSQL needs nothing: its default synchronous_commit=on already flushes the WAL before COMMIT returns."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()
