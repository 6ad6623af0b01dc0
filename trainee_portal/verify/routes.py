"""The public verify pages: /verify asks for a code; /verify/<code> shows what the holder of that document already
knows of it and compares an uploaded file with it. Anyone may use them (policy.public), a limited number of times a
minute per address; an unknown code gets the same neutral page as any other."""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for

from trainee_portal import policy
from trainee_portal.extensions import limiter
from trainee_portal.verify import queries
from trainee_portal.verify.blueprint import bp
from trainee_portal.verify.forms import CodeForm, FileCheckForm
from trainee_portal.verify.services import normalise_code

PDF_MAGIC = b"%PDF-"
READ_LIMIT = 20 * 1024 * 1024  # read at most this much of an upload (MAX_CONTENT_LENGTH refuses larger bodies first)

# Every verify page shares one budget per address, so looking codes up through either address counts the same.
verify_limit = limiter.shared_limit(
    lambda: current_app.config.get("VERIFY_RATE_LIMIT") or "30 per minute",
    scope="verify",
    error_message="Too many checks from your address. Wait a minute before trying again.",
)


@bp.route("/", methods=["GET", "POST"])
@policy.public
@verify_limit
def index():
    form = CodeForm()
    if form.validate_on_submit():
        return redirect(url_for("verify.check", code=normalise_code(form.code.data)))
    return render_template("verify/index.html", form=form, page_title="Check a document"), 400 if form.errors else 200


def _unknown():
    return render_template("verify/unknown.html", form=CodeForm(), page_title="No document has this code"), 404


@bp.route("/<code>", methods=["GET", "POST"])
@policy.public
@verify_limit
def check(code: str):
    normalised = normalise_code(code)
    verification = queries.find(normalised)
    if verification is None:
        return _unknown()
    if normalised != code:
        return redirect(url_for("verify.check", code=normalised))
    form, result, problem, status = FileCheckForm(), None, None, 200
    if form.is_submitted():
        if not form.validate():
            status = 400
        else:
            data = form.file.data.stream.read(READ_LIMIT + 1)
            if not data:
                problem = "The file you chose is empty."
            elif len(data) > READ_LIMIT:
                problem = "The file is larger than any document the portal issues."
            elif not data.startswith(PDF_MAGIC):
                problem = "The file you chose is not a PDF file."
            result = "same" if problem is None and queries.same_bytes(verification, data) else "differs"
    return render_template(
        "verify/document.html",
        v=verification,
        form=form,
        result=result,
        problem=problem,
        page_title=f"{verification.kind_label} {verification.export.code}",
    ), status
