"""Response headers every page carries (CSP without inline script, framing, referrer, sniffing) and the login gate."""

from __future__ import annotations

from flask import Flask, redirect, request, session, url_for
from flask_login import current_user

from trainee_portal.extensions import db, login_manager
from trainee_portal.models import User

SESSION_GENERATION = "_generation"  # the user's session_generation when this session was issued


def end_every_session(user: User) -> None:
    """Every session of this user, on any device, is refused from its next request (the caller commits)."""
    user.session_generation = User.session_generation + 1  # atomic in SQL: two bumps at once both count


def keep_this_session(user: User) -> None:
    """Re-issue the current session with the user's (new) generation, so it survives end_every_session."""
    db.session.flush()
    db.session.refresh(user, ["session_generation"])
    session[SESSION_GENERATION] = user.session_generation


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # plotly.js sets element styles at run time
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        try:
            user = db.session.get(User, int(user_id), options=User.session_load_options())
        except (TypeError, ValueError):
            return None
        if user is None or not user.active:  # deactivation ends live sessions too
            return None
        # Sign-out, a password change or reset elsewhere bumped the generation: this copy of the session is void.
        return user if session.get(SESSION_GENERATION) == user.session_generation else None

    @app.before_request
    def require_login():
        """Every endpoint needs a signed-in user unless its view is marked public in the policy module."""
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        if view is None or getattr(view, "is_public", False) or request.endpoint == "static":
            return None  # the sign-in page needs its stylesheet and scripts before anyone has signed in
        if getattr(view, "is_api", False):
            return None  # a bearer token opens the API (trainee_portal/api/auth.py), never the cookie session
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.must_change_password and request.endpoint not in ("auth.change_password", "auth.logout"):
            return redirect(url_for("auth.change_password"))
        return None

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # The session says whether someone signed in without loading the user: this runs on error pages too,
        # where the database may be unreachable.
        if "_user_id" in session and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"  # personal records stay out of shared caches
        return response
