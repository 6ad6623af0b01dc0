"""Pack pages, /packs/…: a trainee's pack for a panel (frozen when first asked for after the cut-off), the pack
itself, and the outcome recorded against it."""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, send_file, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from competencies import arcp, panel_pack
from trainee_portal import policy
from trainee_portal.arcp import services as arcp_services
from trainee_portal.extensions import db
from trainee_portal.models import ArcpPanel, PanelPack, TraineeProfile
from trainee_portal.packs import pdf as pack_pdf
from trainee_portal.packs import queries, services
from trainee_portal.packs.blueprint import bp
from trainee_portal.packs.forms import OutcomeForm
from trainee_portal.platform.clock import uk_today
from trainee_portal.platform.views import form_page, load_or_404
from trainee_portal.verify import services as verify


@bp.route("/panel/<int:panel_id>/trainee/<int:trainee_id>")
def for_panel(panel_id: int, trainee_id: int):
    """The trainee's pack for this panel: frozen now if the cut-off day is over, else a page saying when it will be."""
    policy.authorize(policy.can_view_panel_pack_of(current_user, trainee_id))
    panel = load_or_404(ArcpPanel, panel_id)
    pack = services.freeze(panel, trainee_id, actor=current_user)
    if pack is not None:
        return redirect(url_for("packs.show", pack_id=pack.id))
    profile = load_or_404(TraineeProfile, trainee_id)
    if not services.on_panel(panel.id, trainee_id):
        return render_template(
            "packs/not_yet.html", panel=panel, profile=profile, on_panel=False, page_title="No pack for this panel"
        ), 404
    return render_template("packs/not_yet.html", panel=panel, profile=profile, on_panel=True, page_title="Pack not frozen yet")


@bp.route("/<int:pack_id>")
def show(pack_id: int):
    pack = load_or_404(PanelPack, pack_id, policy.can_view_panel_pack)
    return render_template(
        "packs/show.html",
        pack=pack,
        document=services.document(pack),
        intact=services.intact(pack),
        outcomes=queries.outcomes_for_pack(pack.id),
        catalogue=arcp.CATALOGUE,
        can_record=policy.can_record_pack_outcome(current_user, pack),
        can_review=policy.can_review_trainee(current_user, pack.trainee_id),
        own=pack.trainee_id == current_user.id,
        signed=panel_pack.SIGNED,
        today=uk_today(),
        page_title=f"Panel pack: {pack.trainee.name}",
    )


@bp.route("/<int:pack_id>/pack.pdf")
def pdf(pack_id: int):
    """The pack as a PDF with its verification code: each download is a new issued document, audited."""
    pack = load_or_404(PanelPack, pack_id, policy.can_view_panel_pack)
    document = services.document(pack)
    outcomes = queries.outcomes_for_pack(pack.id)
    _export, data = verify.issue(
        kind="panel_pack",
        trainee_id=pack.trainee_id,
        actor=current_user,
        covered=pack_pdf.covered(pack, document),
        build=pack_pdf.build(pack, document, outcomes, arcp.CATALOGUE.meaning),
        panel_pack_id=pack.id,
    )
    db.session.commit()
    name = f"panel-pack-{document['trainee']['gmc_number']}-{pack.panel.panel_date:%Y%m%d}.pdf"
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.route("/<int:pack_id>/outcome", methods=["GET", "POST"])
def record_outcome(pack_id: int):
    pack = load_or_404(PanelPack, pack_id, policy.can_record_pack_outcome)
    panel = pack.panel
    profile = load_or_404(TraineeProfile, pack.trainee_id)
    form = OutcomeForm()
    back = url_for("packs.show", pack_id=pack.id)
    if panel.panel_date > uk_today():
        flash(f"The panel meets on {panel.panel_date:%-d %B %Y}: record its outcome on or after that day.", "info")
        return redirect(back)
    if form.validate_on_submit():
        if arcp_services.panel_taken(pack.trainee_id, panel.training_year, panel.panel_date):
            flash(
                f"An outcome for {panel.training_year} from the panel of {panel.panel_date:%-d %B %Y} is already recorded.",
                "info",
            )
            return redirect(back)
        try:
            arcp_services.record_outcome(
                profile,
                current_user,
                training_year=panel.training_year,
                outcome=form.outcome.data,
                panel_date=panel.panel_date,
                notes=form.notes.data or "",
                pack=pack,
            )
            db.session.commit()
        except IntegrityError:  # the same outcome recorded at the same moment (a double click, two tabs)
            db.session.rollback()
            flash(f"An outcome for {panel.training_year} from this panel was just recorded; nothing was added.", "info")
            return redirect(back)
        flash(f"ARCP outcome {form.outcome.data} for {panel.training_year} recorded against this pack.", "success")
        return redirect(back)
    return form_page(
        "packs/outcome.html",
        form,
        pack=pack,
        panel=panel,
        profile=profile,
        summary=panel_pack.summary(services.document(pack)),
        catalogue=arcp.CATALOGUE,
        page_title="Record the panel's outcome",
    )
