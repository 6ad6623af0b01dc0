"""Session and request hardening: Secure cookies over HTTPS, an absolute lifetime and an idle timeout (with what the
page needs to warn before it: the seconds left and the keep-alive), ProxyFix when configured, and a size cap on
non-upload bodies. A script's request (JSON preferred) whose session has ended hears 401 JSON, never a sign-in page."""

from __future__ import annotations

import contextlib
import time

from flask import Flask, current_app, flash, has_request_context, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_url, logout_user, user_logged_in
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.middleware.proxy_fix import ProxyFix

from competencies.drafts import warning_seconds
from trainee_portal.extensions import db, login_manager
from trainee_portal.platform.errors import is_api_request, wants_json
from trainee_portal.platform.security import SESSION_GENERATION

SIGNED_IN_AT = "_signed_in_at"
LAST_SEEN_AT = "_last_seen_at"
SEEN_RESOLUTION = 60  # seconds: rewrite the cookie at most once a minute just to note activity


def _duration(seconds: float) -> str:
    for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size and seconds % size == 0 or unit == "second":
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{int(seconds)} seconds"


def accepts_json(view):
    """Mark a view that reads JSON bodies (an API endpoint); every other view refuses them with 415."""
    view.accepts_json = True
    return view


def idle_limit_seconds() -> float:
    return current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()


def session_seconds_left() -> int:
    """Seconds until this session ends, idle or too old, counted from the activity the session last noted (which may
    lag a request by SEEN_RESOLUTION, so this errs early)."""
    now = int(time.time())
    idle_left = idle_limit_seconds() - (now - session.get(LAST_SEEN_AT, now))
    lifetime_left = current_app.permanent_session_lifetime.total_seconds() - (now - session.get(SIGNED_IN_AT, now))
    return max(0, int(min(idle_left, lifetime_left)))


def note_activity() -> int:
    """Count this request as activity now (the keep-alive, an autosave); returns the seconds left afterwards."""
    session[LAST_SEEN_AT] = int(time.time())
    return session_seconds_left()


def timeout_warning() -> dict:
    """What the page's time-out warning reads from its data attributes (rendered by the server, no inline script)."""
    configured = current_app.config.get("SESSION_TIMEOUT_WARNING_SECONDS")
    return {
        "seconds_left": session_seconds_left(),
        "warn_seconds": warning_seconds(idle_limit_seconds(), None if configured is None else float(configured)),
        "idle_minutes": max(1, round(idle_limit_seconds() / 60)),
    }


def signed_out_json():
    """The answer to a script whose session has ended: 401 with where to sign in; the page keeps what was typed."""
    return {
        "error": "Signed out",
        "detail": "Your session has ended. Sign in again to continue: what you typed was kept as a draft.",
        "sign_in": url_for("auth.login"),
    }, 401


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS, even if SESSION_COOKIE_SECURE is unset."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)

    def open_session(self, app: Flask, request_):
        """The JSON API gets an empty session that cannot be written: a bearer token authenticates it, so a browser's
        cookie is never read there and no session cookie is ever set or renewed by it."""
        if is_api_request():
            return self.make_null_session(app)
        return super().open_session(app, request_)


def init_app(app: Flask) -> None:
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops:  # only behind a known number of proxies: otherwise X-Forwarded-* headers are forgeable
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    app.session_interface = HttpsAwareSessionInterface()

    @login_manager.unauthorized_handler
    def signed_out():
        """Flask-Login's own answer (a flash and the sign-in page, with where to come back), except for scripts."""
        if wants_json():
            return signed_out_json()
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(login_url(login_manager.login_view, next_url=request.url))

    @app.context_processor
    def session_timeout():
        return {"session_timeout": timeout_warning}

    @app.before_request
    def cap_typed_bodies():
        """Werkzeug caps multipart text fields at MAX_FORM_MEMORY_SIZE but reads urlencoded and JSON bodies whole."""
        limit = app.config.get("MAX_FORM_MEMORY_SIZE")
        if limit and (request.content_length or 0) > limit and request.mimetype != "multipart/form-data":
            raise RequestEntityTooLarge()

    @app.before_request
    def refuse_json_on_form_routes():
        """Pages take form posts; a JSON body would reach a form as empty input, so say so plainly (415) instead."""
        if request.method == "POST" and request.is_json:
            view = app.view_functions.get(request.endpoint) if request.endpoint else None
            if view is not None and not getattr(view, "accepts_json", False):
                raise UnsupportedMediaType()

    @app.teardown_appcontext
    def release_session(_error):
        """Registered after Flask-SQLAlchemy's, so it runs first: closing a session whose connection the database
        dropped (a restart) raises, and a raise here would turn an already-built response into a 500."""
        try:
            db.session.remove()
        except Exception:  # noqa: BLE001
            app.logger.warning("Discarding a database session whose connection was lost", exc_info=True)
            with contextlib.suppress(Exception):
                db.session.invalidate()
            db.session.registry.clear()

    @user_logged_in.connect_via(app)
    def _start_session(sender, user, **extra):
        session.permanent = True  # the cookie expires after PERMANENT_SESSION_LIFETIME instead of living on
        now = int(time.time())
        session[SIGNED_IN_AT] = now
        session[LAST_SEEN_AT] = now
        session[SESSION_GENERATION] = user.session_generation

    @app.before_request
    def expire_session():
        """Sign out a session idle for SESSION_IDLE_TIMEOUT or older than PERMANENT_SESSION_LIFETIME."""
        if request.endpoint == "static" or is_api_request() or not current_user.is_authenticated:
            return None  # the API: a bearer token, and no session to expire or renew (open_session below)
        now = int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT, now)
        last_seen_at = session.get(LAST_SEEN_AT, now)
        idle_limit = app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
        idle, too_old = now - last_seen_at > idle_limit, now - signed_in_at > app.permanent_session_lifetime.total_seconds()
        if idle or too_old:
            logout_user()
            session.clear()
            if idle:
                flash(
                    f"You were signed out after {_duration(idle_limit)} without activity, to protect your records. "
                    "Sign in again to continue.",
                    "info",
                )
            else:
                flash(
                    f"You were signed out because you signed in more than {_duration(app.permanent_session_lifetime.total_seconds())} "
                    "ago. Sign in again to continue.",
                    "info",
                )
            if wants_json():
                return signed_out_json()
            if request.endpoint == login_manager.login_view:
                return None  # the sign-in page itself: shown signed out, keeping where to go back to
            if request.method == "GET" and not request.path.startswith("/api/"):
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            return redirect(url_for("auth.login"))
        session.permanent = True
        session.setdefault(SIGNED_IN_AT, signed_in_at)
        if now - last_seen_at >= min(SEEN_RESOLUTION, idle_limit / 10) or LAST_SEEN_AT not in session:
            session[LAST_SEEN_AT] = now
        return None
