"""Configuration: defaults here, then instance/config.py, then the environment (create_app applies them in that order)."""

import os
from datetime import timedelta

from competencies import signing

DEFAULT_SECRET_KEY = "insecure-development-key-change-me"


class Defaults:
    SECRET_KEY = DEFAULT_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = None  # filled in by create_app: instance/portal.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_RECORD_QUERIES = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # The largest body: a logbook CSV of competencies.imports.MAX_FILE_BYTES (32 MB) plus form overhead; every other
    # upload has its own, smaller cap (UPLOAD_MAX_BYTES for certificates, the verify page's read limit).
    MAX_CONTENT_LENGTH = 34 * 1024 * 1024
    UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True (SESSION_COOKIE_SECURE=1) when served over HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)  # absolute: signed out this long after signing in
    SESSION_IDLE_TIMEOUT = timedelta(minutes=60)  # signed out after this long without a request
    PROXY_FIX_HOPS = 0  # set to the number of trusted reverse proxies (PROXY_FIX_HOPS=1) to honour X-Forwarded-*
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"  # every sign-in post, per worker (a coarse flood guard)
    # Failed sign-ins counted by every worker together: in the database, or in Redis when
    # LOGIN_THROTTLE_STORAGE_URI (else RATELIMIT_STORAGE_URI) is redis://…
    LOGIN_FAILURES_PER_ADDRESS = "10 per minute"
    LOGIN_FAILURES_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_THROTTLE_STORAGE_URI = None
    # Wrong in-person sign-off PINs against one supervisor, counted by every worker together (the store above).
    SIGNING_PIN_FAILURES_PER_SUPERVISOR = signing.PIN_FAILURES_PER_SUPERVISOR.value
    PASSWORD_RESET_MINUTES = 30
    PASSWORD_RESETS_PER_ADDRESS = "5 per 15 minutes"  # reset requests from one address
    PASSWORD_RESETS_PER_ACCOUNT = "3 per hour"  # reset emails one account receives
    PASSWORD_RESET_ANSWER_SECONDS = 0.25  # every reset request is answered after this long, account or not
    VERIFY_RATE_LIMIT = "30 per minute"  # the public verify pages, per address
    DRAFT_SAVE_RATE_LIMIT = "60 per minute"  # form drafts saved as people type, per person (a save every 2 s at most)
    # The JSON API: every call counts against its token; calls without a valid token against the caller's address.
    API_RATE_LIMIT = "300 per minute"
    API_UNAUTHENTICATED_RATE_LIMIT = "60 per minute"
    SESSION_TIMEOUT_WARNING_SECONDS = None  # the time-out warning's lead; None: competencies.drafts' rule (120 s)

    # The background task queue (Huey): SQLite in instance/huey.sqlite3 unless HUEY_REDIS_URL (else REDIS_URL) names
    # a Redis server. HUEY_IMMEDIATE runs each task at once, in the request (None: only when testing).
    HUEY_REDIS_URL = None
    HUEY_IMMEDIATE = None
    PUBLIC_BASE_URL = None  # e.g. https://portfolio.example.nhs.uk: every link in an email starts with it (required)
    TRUSTED_HOSTS = None  # extra host names besides PUBLIC_BASE_URL's (comma-separated in the environment)
    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_MIN_LENGTH = 12
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_USE_TLS = False
    MAIL_SENDER = "no-reply@pain-training.local"
    SIGNOFF_REMINDER_DAYS = 7
    ASSESSOR_LINK_DAYS = 14
    PAGE_SIZE = 25
    SEND_FILE_MAX_AGE_DEFAULT = timedelta(days=365)  # static files carry a version in their URL
    NHSUK_FRONTEND_DIR = None  # filled in by create_app: node_modules/nhsuk-frontend/dist/nhsuk


def normalise_database_url(url: str) -> str:
    """Accept the URL forms hosting platforms hand out and pin PostgreSQL to psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def from_environment() -> dict:
    """Settings the environment overrides; only names that are set are returned."""
    env = os.environ
    overrides: dict = {}
    if env.get("DATABASE_URL"):
        overrides["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(env["DATABASE_URL"])
    if env.get("SECRET_KEY"):
        overrides["SECRET_KEY"] = env["SECRET_KEY"]
    for name in (
        "MAIL_SERVER",
        "MAIL_USERNAME",
        "MAIL_PASSWORD",
        "MAIL_SENDER",
        "RATELIMIT_STORAGE_URI",
        "PUBLIC_BASE_URL",
        "LOGIN_THROTTLE_STORAGE_URI",
        "LOGIN_FAILURES_PER_ADDRESS",
        "LOGIN_FAILURES_PER_ACCOUNT",
        "SIGNING_PIN_FAILURES_PER_SUPERVISOR",
        "TRUSTED_HOSTS",
        "VERIFY_RATE_LIMIT",
        "HUEY_REDIS_URL",
        "API_RATE_LIMIT",
        "API_UNAUTHENTICATED_RATE_LIMIT",
    ):
        if env.get(name):
            overrides[name] = env[name]
    if env.get("REDIS_URL") and not env.get("HUEY_REDIS_URL"):
        overrides["HUEY_REDIS_URL"] = env["REDIS_URL"]
    for name in ("MAIL_PORT", "SIGNOFF_REMINDER_DAYS", "ASSESSOR_LINK_DAYS", "PROXY_FIX_HOPS", "PASSWORD_RESET_MINUTES"):
        if env.get(name):
            try:
                overrides[name] = int(env[name])
            except ValueError:
                raise SystemExit(f"{name} must be a whole number, not {env[name]!r}") from None
    for name in ("MAIL_USE_TLS", "SESSION_COOKIE_SECURE"):
        if env.get(name):
            overrides[name] = env[name].lower() in ("1", "true", "yes", "on")
    return overrides
