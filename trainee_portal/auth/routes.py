"""Routes for signing in, signing out and changing a password."""
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from trainee_portal.auth import bp
from trainee_portal.auth.forms import ChangePasswordForm, LoginForm
from trainee_portal.extensions import db, limiter
from trainee_portal.models import User
from trainee_portal.models._base import utcnow
from trainee_portal.passwords import hash_password, password_problems, verify_password
from trainee_portal.policy import public

# Verifying against a real hash even for unknown emails keeps response times from revealing who has an account.
_DUMMY_HASH = None


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
               error_message="Too many sign-in attempts. Wait a minute before trying again.")
def login():
    global _DUMMY_HASH
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None:
            _DUMMY_HASH = _DUMMY_HASH or hash_password("timing-equaliser-password")
            verify_password(_DUMMY_HASH, form.password.data)
        if user is None or not verify_password(user.password_hash, form.password.data):
            form.form_errors.append("The email address or password is not right. Check them and try again.")
        elif not user.active:
            form.form_errors.append("This account has been deactivated. Contact your training programme administrator.")
        else:
            login_user(user)
            user.last_login_at = utcnow()
            db.session.commit()
            if user.must_change_password:
                flash("Choose a new password before you continue.", "info")
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    status = 400 if request.method == "POST" else 200  # reaching here on POST means the sign-in failed
    return render_template("auth/login.html", form=form, page_title="Sign in"), status


@bp.route("/logout", methods=["POST"])
@public
def logout():
    logout_user()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
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
                db.session.commit()
                flash("Your password has been changed.", "success")
                return redirect(url_for("home.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/change_password.html", form=form, page_title="Change your password"), status
