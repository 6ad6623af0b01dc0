"""Curriculum versions: upload a TOML file, see its problems or how it differs from a live version, activate it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.utils import secure_filename

from competencies import CurriculumError, load_curriculum_text
from trainee_portal import curricula
from trainee_portal.admin import bp, curricula_admin
from trainee_portal.admin.forms import CurriculumUploadForm
from trainee_portal.extensions import db
from trainee_portal.models import CurriculumUpload


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
        shipped=curricula_admin.shipped_versions(),
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
        raw = upload.read(curricula_admin.MAX_BYTES + 1)
        try:
            curriculum = curricula_admin.parse_upload(filename, raw)
        except CurriculumError as error:
            form.file.errors = [
                f"{filename} has {len(error.issues)} problem{'s' if len(error.issues) != 1 else ''}: "
                "see the list below, correct the file and upload it again."
            ]
            return _page(form, issues=error.issues, filename=filename, status=400)
        draft = curricula_admin.save_draft(current_user, filename, raw, curriculum)
        db.session.commit()
        flash(f"{filename} is a valid curriculum ({curriculum.version}). Check the differences, then activate it.", "success")
        return redirect(url_for("admin.curriculum_preview", upload_id=draft.id))
    return _page(form, status=400 if request.method == "POST" else 200)


@bp.route("/curricula/<int:upload_id>")
def curriculum_preview(upload_id: int):
    upload = db.session.get(CurriculumUpload, upload_id)
    if upload is None:
        abort(404)
    curriculum = load_curriculum_text(upload.content, upload.filename)  # validated on upload
    registry = curricula.registry()
    against = request.args.get("against")
    if against not in registry:
        against = curricula_admin.default_comparison(upload.version)
    old = registry.get(against) if against else None
    changes = curricula_admin.diff(curriculum, old)
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
    upload = db.session.get(CurriculumUpload, upload_id)
    if upload is None:
        abort(404)
    if upload.status != "draft":
        flash("Only a draft upload can be activated. Upload the file again to make a new draft.", "error")
        return redirect(url_for("admin.curriculum_preview", upload_id=upload.id))
    refreshed = curricula_admin.activate(current_user, upload)
    db.session.commit()
    flash(
        f"Curriculum {upload.version} is now active. Progress for {refreshed} trainee"
        f"{'' if refreshed == 1 else 's'} on this version was recalculated.",
        "success",
    )
    return redirect(url_for("admin.curricula_index"))
