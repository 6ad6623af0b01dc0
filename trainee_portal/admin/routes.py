"""Administration pages, /admin/…: the home page; accounts (invite, roles, deactivate, delete) and trainee profiles;
regions and cohorts, supervisor assignments and director scopes; curriculum versions (upload a TOML file, see its
problems or how it differs from a live version, activate it); everyone's API tokens (see them, revoke any)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload
from werkzeug.utils import secure_filename

from competencies import CurriculumError, load_curriculum_text
from trainee_portal import audit, curricula, policy
from trainee_portal.admin import choices, queries, services
from trainee_portal.admin.blueprint import bp
from trainee_portal.admin.forms import (
    AssignmentForm,
    CohortForm,
    CurriculumUploadForm,
    EndAssignmentForm,
    InviteForm,
    ProfileForm,
    RegionForm,
    RoleScopeForm,
    RolesForm,
    ScopeForm,
    TrustedDomainsForm,
)
from trainee_portal.auth import api_tokens, tokens
from trainee_portal.extensions import db
from trainee_portal.models import (
    ApiToken,
    Cohort,
    CurriculumUpload,
    DirectorScope,
    OutboxMessage,
    Region,
    RoleScope,
    SupervisorAssignment,
    TraineeProfile,
    User,
    UserRole,
)
from trainee_portal.models.accounts import ROLE_LABELS, ROLES, name_key
from trainee_portal.platform.clock import uk_today, utcnow
from trainee_portal.platform.pagination import paginate
from trainee_portal.platform.views import form_page, load_or_404
from trainee_portal.platform.words import plural

PAGE_SIZE = 50
AWAITING_SIGN_IN = "awaiting-sign-in"  # ?status= on the users list: accounts invited and never signed in


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
        "outbox": db.session.scalar(select(func.count()).select_from(OutboxMessage).where(queries.outbox_failed())),
        "tokens": db.session.scalar(
            select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())
        ),
    }
    return render_template("admin/index.html", counts=counts, page_title="Administration")


@bp.route("/users")
def users():
    q = (request.args.get("q") or "").strip()[:100]
    role = request.args.get("role") if request.args.get("role") in ROLES else None
    awaiting = request.args.get("status") == AWAITING_SIGN_IN
    query = select(User)
    if awaiting:
        query = query.where(queries.awaiting_first_sign_in())
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.name).like(like), func.lower(User.email).like(like)))
    if role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    people = paginate(query.order_by(User.name, User.id), PAGE_SIZE)
    return render_template(
        "admin/users.html", people=people, q=q, role=role, awaiting=awaiting, awaiting_value=AWAITING_SIGN_IN, page_title="Users"
    )


@bp.route("/users/new", methods=["GET", "POST"])
def invite():
    form = InviteForm()
    cohort_regions = choices.fill_profile_choices(form)
    valid = form.validate_on_submit()
    wants_profile = policy.roles_need_profile(form.roles.data or [])
    if request.method == "POST" and wants_profile:
        valid = form.check_profile(cohort_regions) and valid  # report every problem at once
    if valid:
        ok = True
        if services.email_taken(form.email.data):
            form.email.errors = ["An account with this email address already exists."]
            ok = False
        if wants_profile and form.gmc_number.data and services.gmc_taken(form.gmc_number.data):
            form.gmc_number.errors = ["Another trainee already has this GMC number."]
            ok = False
        if ok:
            user, temporary = services.invite(
                current_user,
                form.email.data.strip(),
                form.name.data,
                form.roles.data,
                services.profile_values(form) if wants_profile else None,
            )
            db.session.commit()
            # Shown once, on this response only: the password never goes into the session or a redirect.
            return render_template("admin/invited.html", user=user, temporary=temporary, page_title="Account created")
    return form_page("admin/invite.html", form, page_title="Invite a user")


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    person = load_or_404(User, user_id)
    form = RolesForm(data={"roles": list(person.role_names)} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.change_roles(current_user, person, form.roles.data)
        except services.AccountError as error:
            form.roles.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"Roles for {person.name} saved: {person.role_label}.", "success")
            return redirect(url_for("admin.user", user_id=person.id))
    return _user_page(person, form, 400 if request.method == "POST" else 200)


def _role_scope_form(person: User, formdata=None) -> RoleScopeForm:
    form = RoleScopeForm(formdata=formdata, prefix="scope")
    form.role.choices = [("", "Choose a role")] + [(r, ROLE_LABELS[r]) for r in policy.regional_roles_of(person)]
    form.region_id.choices = [("", "Choose a region")] + choices.regions()
    return form


@bp.route("/users/<int:user_id>/role-scopes", methods=["POST"])
def add_role_scope(user_id: int):
    """The region a Faculty Tutor (Pain), RAPM, College Tutor or Regional Adviser holds their role for."""
    person = load_or_404(User, user_id)
    scope_form = _role_scope_form(person, request.form)
    if scope_form.validate_on_submit():
        try:
            services.add_role_scope(current_user, person, scope_form.role.data, scope_form.region_id.data)
        except services.AccountError as error:
            scope_form.region_id.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"{person.name} now holds {ROLE_LABELS[scope_form.role.data]} for the chosen region.", "success")
            return redirect(url_for("admin.user", user_id=person.id))
    return _user_page(person, RolesForm(data={"roles": list(person.role_names)}), 400, scope_form=scope_form)


@bp.route("/role-scopes/<int:scope_id>/remove", methods=["POST"])
def remove_role_scope(scope_id: int):
    scope = load_or_404(RoleScope, scope_id)
    user_id = scope.user_id
    try:
        services.remove_role_scope(current_user, scope)
    except services.AccountError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Region removed from the role.", "success")
    return redirect(url_for("admin.user", user_id=user_id))


def _user_page(person: User, form, status: int, scope_form: RoleScopeForm | None = None):
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
    records = services.records_of(person.id)
    role_scopes = db.session.scalars(
        select(RoleScope).where(RoleScope.user_id == person.id).options(joinedload(RoleScope.region)).order_by(RoleScope.role)
    ).all()
    return render_template(
        "admin/user.html",
        person=person,
        form=form,
        forms=[form, scope_form or _role_scope_form(person)],
        scope_form=scope_form or _role_scope_form(person),
        role_scopes=role_scopes,
        regional_roles=policy.regional_roles_of(person),
        assignments=assignments,
        scopes=scopes,
        records=records,
        can_change=policy.can_change_account(current_user, person),
        token_rows=api_tokens.rows(tokens.tokens_of(person.id)),
        page_title=person.name,
    ), status


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def set_active(user_id: int):
    person = load_or_404(User, user_id)
    active = request.form.get("active") == "1"
    try:
        services.set_active(current_user, person, active)
    except services.AccountError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{person.name} can {'now' if active else 'no longer'} sign in.", "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/users/<int:user_id>/password-reset", methods=["POST"])
def send_password_reset(user_id: int):
    person = load_or_404(User, user_id)
    try:
        services.send_password_reset(current_user, person)
    except services.AccountError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(
            f"A password reset link is on its way to {person.email}. It works once, for "
            f"{plural(current_app.config['PASSWORD_RESET_MINUTES'], 'minute')}; {person.name}'s sessions have ended.",
            "success",
        )
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/users/<int:user_id>/delete", methods=["POST"])
def delete_user(user_id: int):
    person = load_or_404(User, user_id)
    name = person.name
    try:
        services.delete(current_user, person)
    except services.AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("admin.user", user_id=user_id))
    db.session.commit()
    flash(f"The account of {name} has been deleted.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/profile", methods=["GET", "POST"])
def profile(user_id: int):
    person = load_or_404(User, user_id)
    existing = person.trainee_profile
    form = ProfileForm(obj=existing if request.method == "GET" else None)
    cohort_regions = choices.fill_profile_choices(form)
    valid = form.validate_on_submit()
    if request.method == "POST" and form.check_profile(cohort_regions) and valid:
        if services.gmc_taken(form.gmc_number.data, except_id=person.id):
            form.gmc_number.errors = ["Another trainee already has this GMC number."]
        else:
            services.save_profile(current_user, person, services.profile_values(form))
            db.session.commit()
            flash(f"Trainee profile for {person.name} saved.", "success")
            return redirect(url_for("admin.user", user_id=person.id))
    return form_page("admin/profile.html", form, person=person, existing=existing, page_title=f"Trainee profile: {person.name}")


# --- regions and cohorts ------------------------------------------------------------------------


def _taken(model, key: str, *scope) -> str | None:
    """The stored name equal to this one when compared Unicode case-insensitively (name_key), if any."""
    return db.session.scalar(select(model.name).where(model.name_key == key, *scope).limit(1))


def _add_named(row, field, taken_message: str, event: str, payload: dict) -> bool:
    """Add a region or cohort, or put taken_message on field. The database's unique name_key is the final word:
    a request that won the race between our check and this insert makes this one fail with the same message."""
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        field.errors = [taken_message]
        return False
    audit.append(event, actor=current_user, subject_type=row.__tablename__, subject_id=row.id, payload=payload)
    db.session.commit()
    return True


def _domain_form(region: Region, formdata=None) -> TrustedDomainsForm:
    form = TrustedDomainsForm(formdata=formdata, prefix=f"region{region.id}", domains="\n".join(region.trusted_domains))
    form.domains.label.text = f"Trusted email domains for {region.name}"
    return form


def _regions_page(
    region_form,
    cohort_form,
    status: int = 200,
    posted_domains: TrustedDomainsForm | None = None,
    posted_region_id: int | None = None,
):
    trainee_counts = dict(
        db.session.execute(select(TraineeProfile.cohort_id, func.count()).group_by(TraineeProfile.cohort_id)).all()
    )
    region_counts = dict(
        db.session.execute(select(TraineeProfile.region_id, func.count()).group_by(TraineeProfile.region_id)).all()
    )
    all_regions = db.session.scalars(select(Region).options(joinedload(Region.cohorts)).order_by(Region.name)).unique().all()
    domain_forms = {r.id: posted_domains if r.id == posted_region_id else _domain_form(r) for r in all_regions}
    return render_template(
        "admin/regions.html",
        regions=all_regions,
        region_form=region_form,
        cohort_form=cohort_form,
        domain_forms=domain_forms,
        trainee_counts=trainee_counts,
        region_counts=region_counts,
        page_title="Regions and cohorts",
    ), status


def _structure_forms():
    region_form, cohort_form = RegionForm(prefix="region"), CohortForm(prefix="cohort")
    cohort_form.region_id.choices = [("", "Choose a region")] + choices.regions()
    return region_form, cohort_form


@bp.route("/regions", methods=["GET", "POST"])
def regions():
    region_form, cohort_form = _structure_forms()
    if request.method == "GET":
        return _regions_page(region_form, cohort_form)
    if "region-name" in request.form and region_form.validate_on_submit():
        name = region_form.name.data
        existing = _taken(Region, name_key(name))
        message = f"A region called {existing or name} already exists."
        if existing:
            region_form.name.errors = [message]
        elif _add_named(Region(name=name), region_form.name, message, "region.created", {"name": name}):
            flash(f"Region {name} added.", "success")
            return redirect(url_for("admin.regions"))
    elif "cohort-name" in request.form and cohort_form.validate_on_submit():
        name, region_id = cohort_form.name.data, cohort_form.region_id.data
        existing = _taken(Cohort, name_key(name), Cohort.region_id == region_id)
        message = f"A cohort called {existing or name} already exists in this region."
        if existing:
            cohort_form.name.errors = [message]
        elif _add_named(
            Cohort(region_id=region_id, name=name, intake_year=cohort_form.intake_year.data),
            cohort_form.name,
            message,
            "cohort.created",
            {"name": name, "region_id": region_id},
        ):
            flash(f"Cohort {name} added.", "success")
            return redirect(url_for("admin.regions"))
    elif "region-name" not in request.form and "cohort-name" not in request.form:
        region_form.form_errors.append("Fill in one of the forms below: add a region, or add a cohort.")
    return _regions_page(region_form, cohort_form, 400)


@bp.route("/regions/<int:region_id>/domains", methods=["POST"])
def region_domains(region_id: int):
    region = load_or_404(Region, region_id)
    form = _domain_form(region, formdata=request.form)
    if not form.validate_on_submit():
        return _regions_page(*_structure_forms(), 400, posted_domains=form, posted_region_id=region.id)
    old, new = list(region.trusted_domains), form.domains_list
    if old != new:
        region.trusted_assessor_domains = "\n".join(new)
        audit.record("region.trusted_domains_changed", region, {"old": old, "new": new}, actor=current_user)
        db.session.commit()
    flash(f"{region.name} trusts {', '.join(new) if new else 'no email domain'} for outside assessors.", "success")
    return redirect(url_for("admin.regions"))


# --- supervisor assignments ---------------------------------------------------------------------


def _assignment_form() -> AssignmentForm:
    form = AssignmentForm()
    form.supervisor_id.choices = [("", "Choose a supervisor")] + choices.people_with_role("supervisor")
    form.trainee_id.choices = [("", "Choose a trainee")] + choices.trainees()
    if request.method == "GET":
        raw = request.args.get("trainee", "")
        form.trainee_id.data = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
        form.starts_on.data = form.starts_on.data or uk_today()
    return form


@bp.route("/assignments", methods=["GET", "POST"])
def assignments():
    form = _assignment_form()
    if form.validate_on_submit():
        today = uk_today()
        duplicate = db.session.scalar(
            select(func.count())
            .select_from(SupervisorAssignment)
            .where(
                SupervisorAssignment.supervisor_id == form.supervisor_id.data,
                SupervisorAssignment.trainee_id == form.trainee_id.data,
                SupervisorAssignment.kind == form.kind.data,
                or_(SupervisorAssignment.ends_on.is_(None), SupervisorAssignment.ends_on >= form.starts_on.data),
            )
        )
        if duplicate:
            form.supervisor_id.errors = [
                "This supervisor already has an open assignment of this kind to this trainee. End it first or choose another."
            ]
        else:
            assignment = SupervisorAssignment(
                supervisor_id=form.supervisor_id.data,
                trainee_id=form.trainee_id.data,
                kind=form.kind.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
            )
            db.session.add(assignment)
            db.session.flush()
            audit.record(
                "supervision.assigned",
                assignment,
                {
                    "supervisor_id": assignment.supervisor_id,
                    "kind": assignment.kind,
                    "starts_on": assignment.starts_on.isoformat(),
                    "ends_on": assignment.ends_on.isoformat() if assignment.ends_on else None,
                },
                actor=current_user,
            )
            db.session.commit()
            flash(
                "Supervisor assignment added." + (" It starts in the future." if assignment.starts_on > today else ""), "success"
            )
            return redirect(url_for("admin.assignments"))
    show_ended = request.args.get("ended") == "1"
    query = select(SupervisorAssignment)
    if not show_ended:
        query = query.where(or_(SupervisorAssignment.ends_on.is_(None), SupervisorAssignment.ends_on >= uk_today()))
    trainee, supervisor = aliased(User), aliased(User)
    rows = paginate(
        query.join(trainee, trainee.id == SupervisorAssignment.trainee_id)
        .join(supervisor, supervisor.id == SupervisorAssignment.supervisor_id)
        .options(joinedload(SupervisorAssignment.trainee), joinedload(SupervisorAssignment.supervisor))
        .order_by(trainee.name, supervisor.name, SupervisorAssignment.id),
        PAGE_SIZE,
    )
    return form_page(
        "admin/assignments.html",
        form,
        rows=rows,
        show_ended=show_ended,
        end_form=EndAssignmentForm(formdata=None, ends_on=uk_today()),
        today=uk_today(),
        page_title="Supervisor assignments",
    )


@bp.route("/assignments/<int:assignment_id>/end", methods=["POST"])
def end_assignment(assignment_id: int):
    assignment = load_or_404(SupervisorAssignment, assignment_id)
    form = EndAssignmentForm()
    if not form.validate_on_submit():
        flash(" ".join(form.ends_on.errors) or "Enter the end date.", "error")
    elif form.ends_on.data < assignment.starts_on:
        flash(f"An assignment cannot end before it starts ({assignment.starts_on.strftime('%-d %B %Y')}).", "error")
    else:
        assignment.ends_on = form.ends_on.data
        audit.record(
            "supervision.ended",
            assignment,
            {"supervisor_id": assignment.supervisor_id, "ends_on": form.ends_on.data.isoformat()},
            actor=current_user,
        )
        db.session.commit()
        flash(
            f"The assignment of {assignment.supervisor.name} to {assignment.trainee.name} ends on "
            f"{form.ends_on.data.strftime('%-d %B %Y')}.",
            "success",
        )
    return redirect(
        request.form.get("back") if (request.form.get("back") or "").startswith("/admin/") else url_for("admin.assignments")
    )


# --- director scopes ----------------------------------------------------------------------------


@bp.route("/scopes", methods=["GET", "POST"])
def scopes():
    form = ScopeForm()
    form.director_id.choices = [("", "Choose a training director")] + choices.people_with_role("director")
    form.region_id.choices = [("", "No region (one cohort only)")] + choices.regions()
    form.cohort_id.choices = [("", "No cohort (whole region)")] + [(c[0], c[1]) for c in choices.cohorts()]
    if form.validate_on_submit():
        exists = db.session.scalar(
            select(func.count())
            .select_from(DirectorScope)
            .where(
                DirectorScope.director_id == form.director_id.data,
                DirectorScope.region_id.is_(None)
                if form.region_id.data is None
                else DirectorScope.region_id == form.region_id.data,
                DirectorScope.cohort_id.is_(None)
                if form.cohort_id.data is None
                else DirectorScope.cohort_id == form.cohort_id.data,
            )
        )
        if exists:
            form.director_id.errors = ["This director already directs that region or cohort."]
        else:
            scope = DirectorScope(director_id=form.director_id.data, region_id=form.region_id.data, cohort_id=form.cohort_id.data)
            db.session.add(scope)
            db.session.flush()
            audit.record(
                "director_scope.added",
                scope,
                {"director_id": scope.director_id, "region_id": scope.region_id, "cohort_id": scope.cohort_id},
                actor=current_user,
            )
            db.session.commit()
            flash("Director scope added.", "success")
            return redirect(url_for("admin.scopes"))
    rows = db.session.scalars(
        select(DirectorScope)
        .options(joinedload(DirectorScope.director), joinedload(DirectorScope.region), joinedload(DirectorScope.cohort))
        .join(User, User.id == DirectorScope.director_id)
        .order_by(User.name, DirectorScope.id)
    ).all()
    return form_page("admin/scopes.html", form, rows=rows, page_title="Director scopes")


@bp.route("/scopes/<int:scope_id>/remove", methods=["POST"])
def remove_scope(scope_id: int):
    scope = load_or_404(DirectorScope, scope_id)
    audit.record(
        "director_scope.removed",
        scope,
        {"director_id": scope.director_id, "region_id": scope.region_id, "cohort_id": scope.cohort_id},
        actor=current_user,
    )
    db.session.delete(scope)
    db.session.commit()
    flash("Director scope removed.", "success")
    return redirect(url_for("admin.scopes"))


def _page(form, issues=(), filename=None, status=200):
    registry = curricula.registry()
    uploads = db.session.scalars(
        select(CurriculumUpload)
        .options(joinedload(CurriculumUpload.uploaded_by))
        .order_by(CurriculumUpload.uploaded_at.desc())
        .limit(100)
    ).all()
    return render_template(
        "admin/curricula.html",
        form=form,
        issues=issues,
        filename=filename,
        uploads=uploads,
        versions=[registry.get(v) for v in registry.versions()],
        shipped=services.shipped_versions(),
        page_title="Curriculum versions",
    ), status


@bp.route("/curricula", methods=["GET", "POST"])
def curricula_index():
    form = CurriculumUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        filename = secure_filename(upload.filename or "") or "curriculum.toml"
        if not filename.lower().endswith(".toml"):
            form.file.errors = ["Upload a .toml curriculum file."]
            return _page(form, status=400)
        raw = upload.read(services.MAX_BYTES + 1)
        try:
            curriculum = services.parse_upload(filename, raw)
        except CurriculumError as error:
            form.file.errors = [
                f"{filename} has {len(error.issues)} problem{'s' if len(error.issues) != 1 else ''}: "
                "see the list below, correct the file and upload it again."
            ]
            return _page(form, issues=error.issues, filename=filename, status=400)
        draft = services.save_draft(current_user, filename, raw, curriculum)
        db.session.commit()
        flash(f"{filename} is a valid curriculum ({curriculum.version}). Check the differences, then activate it.", "success")
        return redirect(url_for("admin.curriculum_preview", upload_id=draft.id))
    return _page(form, status=400 if request.method == "POST" else 200)


@bp.route("/curricula/<int:upload_id>")
def curriculum_preview(upload_id: int):
    upload = load_or_404(CurriculumUpload, upload_id)
    curriculum = load_curriculum_text(upload.content, upload.filename)  # validated on upload
    registry = curricula.registry()
    against = request.args.get("against")
    if against not in registry:
        against = services.default_comparison(upload.version)
    old = registry.get(against) if against else None
    changes = services.diff(curriculum, old)
    return render_template(
        "admin/curriculum_preview.html",
        upload=upload,
        curriculum=curriculum,
        changes=changes,
        against=against,
        versions=registry.versions(),
        page_title=f"Curriculum {upload.version}",
    )


@bp.route("/curricula/<int:upload_id>/activate", methods=["POST"])
def activate_curriculum(upload_id: int):
    upload = load_or_404(CurriculumUpload, upload_id)
    if upload.status != "draft":
        flash("Only a draft upload can be activated. Upload the file again to make a new draft.", "error")
        return redirect(url_for("admin.curriculum_preview", upload_id=upload.id))
    refreshed = services.activate(current_user, upload)
    db.session.commit()
    flash(
        f"Curriculum {upload.version} is now active. Progress for {refreshed} trainee"
        f"{'' if refreshed == 1 else 's'} on this version was recalculated.",
        "success",
    )
    return redirect(url_for("admin.curricula_index"))


@bp.route("/outbox")
def outbox():
    """Emails the outbox failed to send, oldest first: still retrying, or given up after MAIL_MAX_ATTEMPTS."""
    failed = paginate(
        select(OutboxMessage).where(queries.outbox_failed()).order_by(OutboxMessage.created_at, OutboxMessage.id), PAGE_SIZE
    )
    return render_template("admin/outbox.html", failed=failed, page_title="Emails not sent")


TOKEN_STATUSES = {"live": "Live tokens", "all": "All tokens"}


@bp.route("/tokens", endpoint="tokens")
@policy.requires(policy.can_list_all_api_tokens)
def api_tokens_index():
    """Every personal access token, newest first: live ones (the default) or all, narrowed by the owner's email."""
    status = request.args.get("status") if request.args.get("status") in TOKEN_STATUSES else "live"
    q = (request.args.get("q") or "").strip()[:100]
    query = (
        select(ApiToken)
        .join(User, User.id == ApiToken.user_id)
        .options(joinedload(ApiToken.user), joinedload(ApiToken.revoked_by))
    )
    if status == "live":
        query = query.where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())
    if q:
        query = query.where(func.lower(User.email).contains(q.lower(), autoescape=True))
    found = paginate(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc()), PAGE_SIZE)
    return render_template(
        "admin/tokens.html",
        found=found,
        rows=api_tokens.rows(found.items),
        status=status,
        statuses=TOKEN_STATUSES,
        q=q,
        page_title="API tokens",
    )


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_api_token(token_id: int):
    """Revoke anyone's token; its owner is told, naming the token and who revoked it."""
    token = load_or_404(ApiToken, token_id, policy.can_revoke_api_token)
    owner = token.user
    if api_tokens.revoke(token, current_user):
        db.session.commit()
        flash(
            f"{owner.name}'s token \u201c{token.name}\u201d is revoked{'' if owner.id == current_user.id else ', and they have been told'}.",
            "success",
        )
    else:
        flash(f"{owner.name}'s token \u201c{token.name}\u201d was already revoked.", "info")
    if request.form.get("back") == "user":
        return redirect(url_for("admin.user", user_id=owner.id, _anchor="api-tokens"))
    return redirect(url_for("admin.tokens"))
