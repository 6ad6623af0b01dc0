"""Administration home, accounts (invite, roles, deactivate, delete) and trainee profiles."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from trainee_portal import policy
from trainee_portal.admin import accounts, bp, choices
from trainee_portal.admin.forms import InviteForm, ProfileForm, RolesForm
from trainee_portal.extensions import db
from trainee_portal.models import (
    Cohort,
    CurriculumUpload,
    DirectorScope,
    Region,
    SupervisorAssignment,
    TraineeProfile,
    User,
    UserRole,
)
from trainee_portal.viewing import whole_number

PAGE_SIZE = 50


@bp.before_request
@policy.requires(policy.can_administer)
def _administrators_only():
    """Every page here is for administrators; the login gate has already run."""


@bp.route("")
def index():
    counts = {
        "users": db.session.scalar(select(func.count()).select_from(User)),
        "inactive": db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(False))),
        "trainees": db.session.scalar(select(func.count()).select_from(TraineeProfile)),
        "regions": db.session.scalar(select(func.count()).select_from(Region)),
        "cohorts": db.session.scalar(select(func.count()).select_from(Cohort)),
        "assignments": db.session.scalar(
            select(func.count()).select_from(SupervisorAssignment).where(SupervisorAssignment.ends_on.is_(None))
        ),
        "scopes": db.session.scalar(select(func.count()).select_from(DirectorScope)),
        "drafts": db.session.scalar(select(func.count()).select_from(CurriculumUpload).where(CurriculumUpload.status == "draft")),
    }
    return render_template("admin/index.html", counts=counts, page_title="Administration")


@bp.route("/users")
def users():
    q = (request.args.get("q") or "").strip()[:100]
    role = request.args.get("role") if request.args.get("role") in ("trainee", "supervisor", "director", "admin") else None
    page = whole_number(request.args.get("page")) or 1
    query = select(User)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.name).like(like), func.lower(User.email).like(like)))
    if role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    people = db.session.scalars(query.order_by(User.name, User.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "admin/users.html", people=people, q=q, role=role, page=page, pages=pages, total=total, page_title="Users"
    )


@bp.route("/users/new", methods=["GET", "POST"])
def invite():
    form = InviteForm()
    cohort_regions = choices.fill_profile_choices(form)
    valid = form.validate_on_submit()
    wants_profile = "trainee" in (form.roles.data or [])
    if request.method == "POST" and wants_profile:
        valid = form.check_profile(cohort_regions) and valid  # report every problem at once
    if valid:
        ok = True
        if accounts.email_taken(form.email.data):
            form.email.errors = ["An account with this email address already exists."]
            ok = False
        if wants_profile and form.gmc_number.data and accounts.gmc_taken(form.gmc_number.data):
            form.gmc_number.errors = ["Another trainee already has this GMC number."]
            ok = False
        if ok:
            user, temporary = accounts.invite(
                current_user,
                form.email.data.strip(),
                form.name.data,
                form.roles.data,
                accounts.profile_values(form) if wants_profile else None,
            )
            db.session.commit()
            # Shown once, on this response only: the password never goes into the session or a redirect.
            return render_template("admin/invited.html", user=user, temporary=temporary, page_title="Account created")
    status = 400 if request.method == "POST" else 200
    return render_template("admin/invite.html", form=form, page_title="Invite a user"), status


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    person = _user_or_404(user_id)
    form = RolesForm(data={"roles": list(person.role_names)} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            accounts.change_roles(current_user, person, form.roles.data)
        except accounts.AccountError as error:
            form.roles.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"Roles for {person.name} saved: {person.role_label}.", "success")
            return redirect(url_for("admin.user", user_id=person.id))
    return _user_page(person, form, 400 if request.method == "POST" else 200)


def _user_page(person: User, form, status: int):
    assignments = db.session.scalars(
        select(SupervisorAssignment)
        .where(or_(SupervisorAssignment.trainee_id == person.id, SupervisorAssignment.supervisor_id == person.id))
        .options(joinedload(SupervisorAssignment.supervisor), joinedload(SupervisorAssignment.trainee))
        .order_by(SupervisorAssignment.starts_on.desc())
    ).all()
    scopes = db.session.scalars(
        select(DirectorScope)
        .where(DirectorScope.director_id == person.id)
        .options(joinedload(DirectorScope.region), joinedload(DirectorScope.cohort))
    ).all()
    records = accounts.records_of(person.id)
    return render_template(
        "admin/user.html",
        person=person,
        form=form,
        assignments=assignments,
        scopes=scopes,
        records=records,
        can_change=policy.can_change_account(current_user, person),
        page_title=person.name,
    ), status


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def set_active(user_id: int):
    person = _user_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        accounts.set_active(current_user, person, active)
    except accounts.AccountError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{person.name} can {'now' if active else 'no longer'} sign in.", "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/users/<int:user_id>/password-reset", methods=["POST"])
def send_password_reset(user_id: int):
    person = _user_or_404(user_id)
    try:
        accounts.send_password_reset(current_user, person)
    except accounts.AccountError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(
            f"A password reset link is on its way to {person.email}. It works once, for "
            f"{current_app.config['PASSWORD_RESET_MINUTES']} minutes; {person.name}'s sessions have ended.",
            "success",
        )
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/users/<int:user_id>/delete", methods=["POST"])
def delete_user(user_id: int):
    person = _user_or_404(user_id)
    name = person.name
    try:
        accounts.delete(current_user, person)
    except accounts.AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("admin.user", user_id=user_id))
    db.session.commit()
    flash(f"The account of {name} has been deleted.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/profile", methods=["GET", "POST"])
def profile(user_id: int):
    person = _user_or_404(user_id)
    existing = person.trainee_profile
    form = ProfileForm(obj=existing if request.method == "GET" else None)
    cohort_regions = choices.fill_profile_choices(form)
    valid = form.validate_on_submit()
    if request.method == "POST" and form.check_profile(cohort_regions) and valid:
        if accounts.gmc_taken(form.gmc_number.data, except_id=person.id):
            form.gmc_number.errors = ["Another trainee already has this GMC number."]
        else:
            accounts.save_profile(current_user, person, accounts.profile_values(form))
            db.session.commit()
            flash(f"Trainee profile for {person.name} saved.", "success")
            return redirect(url_for("admin.user", user_id=person.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/profile.html", form=form, person=person, existing=existing, page_title=f"Trainee profile: {person.name}"
    ), status
