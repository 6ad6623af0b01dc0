"""Routes for signing in (throttled across workers), signing out, changing and resetting a password, a
supervisor's sign-off PIN for signing in person, and the personal access tokens that open the JSON API."""

import time
from urllib.parse import urlsplit

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from trainee_portal import policy
from trainee_portal.auth import api_tokens, reset, throttle, tokens
from trainee_portal.auth import signing_pin as pins
from trainee_portal.auth.blueprint import bp
from trainee_portal.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RemoveSigningPinForm,
    ResetPasswordForm,
    SigningPinForm,
)
from trainee_portal.extensions import db, limiter
from trainee_portal.models import ApiToken, User
from trainee_portal.platform.clock import utcnow
from trainee_portal.platform.hardening import note_activity
from trainee_portal.platform.passwords import hash_password, password_problems, verify_password
from trainee_portal.platform.security import end_every_session, keep_this_session
from trainee_portal.platform.views import form_page
from trainee_portal.policy import public

# Verifying against a real hash even for unknown emails keeps response times from revealing who has an account.
_DUMMY_HASH = None


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)  # a backslash is refused too: browsers read "/\\host" as "//host"
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    methods=["POST"],
    error_message="Too many sign-in attempts. Wait a minute before trying again.",
)
def login():
    global _DUMMY_HASH
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        checks = [
            ("address", request.remote_addr or "", "LOGIN_FAILURES_PER_ADDRESS"),
            ("account", email, "LOGIN_FAILURES_PER_ACCOUNT"),
        ]
        wait, held = throttle.begin(checks)
        if wait:  # refused before the password is looked at, so even the right one cannot confirm a guess
            form.form_errors.append(
                f"Too many failed sign-in attempts. Wait {_minutes(wait)} and try again, or reset your password."
            )
            return _page("auth/login.html", 429, {"Retry-After": str(wait)}, form=form, page_title="Sign in")
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None:
            _DUMMY_HASH = _DUMMY_HASH or hash_password("timing-equaliser-password")
            verify_password(_DUMMY_HASH, form.password.data)
        if user is None or not verify_password(user.password_hash, form.password.data):
            throttle.count(checks)
            form.form_errors.append("The email address or password is not right. Check them and try again.")
        elif not user.active:
            throttle.release(held)
            form.form_errors.append("This account has been deactivated. Contact your training programme administrator.")
        else:
            throttle.release(held)  # a success is not a failure, but it clears no earlier failure either
            login_user(user)
            user.last_login_at = utcnow()
            db.session.commit()
            if user.must_change_password:
                flash("Choose a new password before you continue.", "info")
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    return form_page("auth/login.html", form, page_title="Sign in")


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def _page(template: str, status: int, headers: dict | None = None, **context):
    response = make_response(render_template(template, **context), status)
    response.headers.update(headers or {})
    return response


@bp.route("/logout", methods=["POST"])
@public
def logout():
    if current_user.is_authenticated:
        end_every_session(current_user)  # a copy of this cookie, or a session on another device, ends too
        db.session.commit()
    logout_user()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/keep-alive", methods=["POST"])
@policy.requires(policy.is_signed_in)
def keep_alive():
    """The time-out warning's "Stay signed in": the session's idle time starts again; says how long it now has."""
    return {"seconds_left": note_activity()}


@bp.route("/account/password", methods=["GET", "POST"])
@policy.requires(policy.is_signed_in)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors = ["Your current password is not right."]
        else:
            problems = password_problems(form.new_password.data, email=current_user.email, name=current_user.name)
            if form.new_password.data == form.current_password.data:
                problems.append("Choose a password different from your current one.")
            if problems:
                form.new_password.errors = problems
            else:
                current_user.password_hash = hash_password(form.new_password.data)
                current_user.must_change_password = False
                end_every_session(current_user)  # every other session ends; this one is re-issued
                keep_this_session(current_user)
                db.session.commit()
                flash("Your password has been changed.", "success")
                return redirect(url_for("home.index"))
    return form_page("auth/change_password.html", form, page_title="Change your password")


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    """The same answer, after the same work, whether or not an account uses the address."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        checks = [("address", "password-reset|" + (request.remote_addr or ""), "PASSWORD_RESETS_PER_ADDRESS")]
        wait, _held = throttle.begin(checks)
        if wait:
            form.form_errors.append(f"Too many reset requests from your network. Wait {_minutes(wait)} and try again.")
            return _page(
                "auth/forgot_password.html", 429, {"Retry-After": str(wait)}, form=form, page_title="Reset your password"
            )
        started = time.monotonic()
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None:
            reset.queue_link(user)
        throttle.count(checks)  # commits the queued email
        # Queuing a link takes a few milliseconds more than finding no account: answer both after the same time.
        time.sleep(max(0.0, float(current_app.config["PASSWORD_RESET_ANSWER_SECONDS"]) - (time.monotonic() - started)))
        return render_template(
            "auth/reset_requested.html", minutes=current_app.config["PASSWORD_RESET_MINUTES"], page_title="Check your email"
        )
    return form_page("auth/forgot_password.html", form, page_title="Reset your password")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    state, row = reset.find(token)
    form = ResetPasswordForm()
    if state == "valid" and form.validate_on_submit():
        problems = password_problems(form.new_password.data, email=row.user.email, name=row.user.name)
        if problems:
            form.new_password.errors = problems
        elif reset.use(row, form.new_password.data):
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            flash(
                "Your password has been changed and every session of your account has ended. Sign in with your new password.",
                "success",
            )
            return redirect(url_for("auth.login"))
        else:
            db.session.rollback()
            state = "used"
    if state != "valid":
        return _page(
            "auth/reset_link.html",
            404 if state == "unknown" else 410,
            {"Cache-Control": "no-store"},
            state=state,
            page_title="This link cannot be used",
        )
    status = 400 if request.method == "POST" else 200
    return _page(
        "auth/reset_password.html",
        status,
        {"Cache-Control": "no-store"},
        form=form,
        person=row.user,
        page_title="Choose a new password",
    )


@bp.route("/account/signing-pin", methods=["GET", "POST"])
@policy.requires(policy.can_set_signing_pin)
def signing_pin():
    """Set, change or remove the PIN a supervisor signs with in person, on a trainee's device."""
    form, remove_form = SigningPinForm(), RemoveSigningPinForm(prefix="remove")
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors = ["Your password is not right."]
        else:
            changed = pins.has_pin(current_user)
            pins.set_pin(current_user, form.pin.data)
            db.session.commit()
            flash("Your sign-off PIN has been changed." if changed else "Your sign-off PIN is set.", "success")
            return redirect(url_for("auth.signing_pin"))
    return _pin_page(form, remove_form)


@bp.route("/account/signing-pin/remove", methods=["POST"])
@policy.requires(policy.can_set_signing_pin)
def remove_signing_pin():
    form, remove_form = SigningPinForm(formdata=None), RemoveSigningPinForm(prefix="remove")
    if remove_form.validate_on_submit():
        if not verify_password(current_user.password_hash, remove_form.current_password.data):
            remove_form.current_password.errors = ["Your password is not right."]
        else:
            removed = pins.remove_pin(current_user)
            db.session.commit()
            flash(
                "Your sign-off PIN is removed: nobody can sign in person in your name."
                if removed
                else "You had no sign-off PIN.",
                "success",
            )
            return redirect(url_for("auth.signing_pin"))
    return _pin_page(form, remove_form)


def _pin_page(form, remove_form):
    status = 400 if request.method == "POST" else 200
    return _page(
        "auth/signing_pin.html",
        status,
        {"Cache-Control": "no-store"},
        form=form,
        remove_form=remove_form,
        pin=pins.pin_of(current_user),
        page_title="Your sign-off PIN",
    )


@bp.route("/account/tokens", methods=["GET", "POST"], endpoint="api_tokens")
@policy.requires(policy.can_manage_api_tokens)
def api_tokens_page():
    """The user's personal access tokens, newest first, and the form that creates one. A new token's secret is shown
    on the answer to the POST alone: never stored, never put in the session or a redirect."""
    form = api_tokens.CreateTokenForm()
    if form.validate_on_submit():
        try:
            token, secret = tokens.create(current_user, form.name.data, form.scopes.data, form.expires_on)
        except tokens.TokenRefused as refused:
            db.session.rollback()
            form.form_errors.append(str(refused))
        else:
            db.session.commit()
            return _page(
                "auth/api_token_created.html",
                200,
                {"Cache-Control": "no-store"},
                token=api_tokens.row(token),
                secret=secret,
                base_url=(current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/"),
                page_title="Your new token",
            )
    grantable = policy.api_scopes_for(current_user)
    return _page(
        "auth/api_tokens.html",
        400 if request.method == "POST" else 200,
        {"Cache-Control": "no-store"},
        form=form,
        rows=api_tokens.rows(tokens.tokens_of(current_user.id)),
        scope_options=api_tokens.scope_options(grantable),
        lifetime_options=api_tokens.lifetime_options(),
        page_title="API tokens",
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@policy.requires(policy.can_manage_api_tokens)
def revoke_api_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    policy.authorize_or_hide(policy.owns_api_token(current_user, token))  # someone else's token is not found here
    policy.authorize(policy.can_revoke_api_token(current_user, token))
    if api_tokens.revoke(token, current_user):
        db.session.commit()
        flash(f"The token \u201c{token.name}\u201d is revoked: apps using it can no longer reach your account.", "success")
    else:
        flash(f"The token \u201c{token.name}\u201d was already revoked.", "info")
    return redirect(url_for("auth.api_tokens"))
