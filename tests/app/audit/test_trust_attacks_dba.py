"""A hostile database administrator against verify-audit: rows the ARCP panel reads, changed by SQL, must be named."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select

from tests.app.audit.helpers import fails_naming, run_sql, verify_audit
from tests.support import clock
from trainee_portal.exams import services as exam_services
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceTally


def _rapm(world):
    form = SimpleNamespace(
        confirmed_on=SimpleNamespace(data=clock.today() - timedelta(days=5)),
        stage3_pain_complete=SimpleNamespace(data=True),
        advanced_training_started_on=SimpleNamespace(data=clock.today() - timedelta(days=400)),
        note=SimpleNamespace(data="Stage 3 complete."),
    )
    row = exam_services.confirm_rapm(world.people.owner.id, form, world.people.director)
    db.session.commit()
    return row


def test_rapm_confirmation_verifies_untouched(app, world):
    _rapm(world)
    code, output = verify_audit(app)
    assert code == 0, output
    assert "RAPM confirmations: 1" in output


def test_rapm_confirmation_inserted_by_sql_is_named(app, world):
    run_sql(
        "INSERT INTO rapm_confirmation (trainee_id, confirmed_by_id, confirmed_on, stage3_pain_complete, "
        "advanced_training_started_on, note, created_at) VALUES (:t, :d, '2026-01-01', :yes, '2025-01-01', '', "
        "'2026-01-01 00:00:00')",
        t=world.people.owner.id,
        d=world.people.director.id,
        yes=True,
    )
    fails_naming(app, "[rapm_confirmation] RAPM confirmation", "no audit record names this row")


def test_rapm_confirmation_edited_by_sql_is_named(app, world):
    row = _rapm(world)
    run_sql(
        "UPDATE rapm_confirmation SET advanced_training_started_on = '2020-01-01', confirmed_by_id = :other WHERE id = :id",
        id=row.id,
        other=world.people.supervisor.id,
    )
    fails_naming(
        app,
        f"[rapm_confirmation] RAPM confirmation {row.id}",
        "advanced_training_started_on is '2020-01-01'",
        "confirmed_by_id is",
    )


def test_progress_tally_inflated_by_sql_is_named(app, world):
    tally = db.session.scalars(
        select(EvidenceTally).where(EvidenceTally.trainee_id == world.people.owner.id, EvidenceTally.status == "signed")
    ).first()
    run_sql(
        "UPDATE evidence_tally SET count = count + 40 WHERE trainee_id = :t AND competency_code = :c AND status = 'signed'",
        t=tally.trainee_id,
        c=tally.competency_code,
    )
    fails_naming(
        app, f"[progress] trainee {world.people.owner.id}, {tally.competency_code}", "counts 41 but the evidence rows hold 1"
    )


def test_arcp_evidence_snapshot_edited_by_sql_is_named(app, world):
    """The evidence summary kept with an ARCP outcome is what the panel looked at; rewriting it must be named."""
    run_sql(
        "UPDATE arcp_outcome SET evidence_summary = :forged WHERE id = :id",
        id=world.outcome.id,
        forged='{"evidence_total": 250, "signed": 250}',
    )
    fails_naming(app, f"[arcp_outcome] ARCP outcome {world.outcome.id}", "evidence_summary is its text")


def test_a_trusted_domain_added_by_sql_is_named(app, world):
    """A domain the region trusts makes an outside assessor's signature count unconfirmed: adding gmail.com by SQL
    (then letting a friend there sign through the app) must not pass verify-audit."""
    region = world.people.owner.trainee_profile.region
    run_sql("UPDATE region SET trusted_assessor_domains = 'gmail.com' WHERE id = :id", id=region.id)
    fails_naming(app, f"[trusted_domains] region {region.id}", "trusts gmail.com", "the audit log last recorded no domain")


def test_trusted_domains_changed_through_the_admin_page_verify(app, client, login, world):
    region = world.people.owner.trainee_profile.region
    login(world.people.admin)
    assert (
        client.post(
            f"/admin/regions/{region.id}/domains", data={f"region{region.id}-domains": "nhs.net\ntrust.example"}
        ).status_code
        == 302
    )
    code, output = verify_audit(app)
    assert code == 0, output
