"""verify-audit over reconvened ARCP panels and the exam prerequisites (recorded, confirmed, then changed by SQL)."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from tests.app.audit.helpers import fails_naming, run_sql, verify_audit
from tests.support import clock
from trainee_portal.arcp import services as arcp_services
from trainee_portal.exams import services as exam_services
from trainee_portal.extensions import db


def _field(value):
    return SimpleNamespace(data=value)


def _prerequisites(world, confirm: bool):
    form = SimpleNamespace(
        gmc_registered_on=_field(date(2015, 8, 5)),
        fpm_status=_field("member"),
        fpm_applied_on=_field(date(2024, 1, 10)),
        fpm_member_since=_field(date(2024, 2, 1)),
        good_standing=_field(True),
    )
    row = exam_services.record_prerequisites(world.people.owner.id, form, world.people.owner, confirmed=False)
    if confirm:
        exam_services.confirm_prerequisites(row, world.people.director)
    db.session.commit()
    return row


def test_two_outcomes_in_one_training_year_verify(app, world):
    profile = world.people.owner.trainee_profile
    for outcome, days in (("5", 60), ("1", 10)):
        arcp_services.record_outcome(
            profile,
            world.people.director,
            training_year="ST6",
            outcome=outcome,
            panel_date=clock.today() - timedelta(days=days),
            notes="",
        )
    db.session.commit()
    code, output = verify_audit(app)
    assert code == 0, output


def test_confirmed_prerequisites_verify_and_an_sql_edit_is_named(app, world):
    row = _prerequisites(world, confirm=True)
    code, output = verify_audit(app)
    assert code == 0, output
    assert "exam prerequisite records: 1" in output
    run_sql("UPDATE exam_prerequisite SET good_standing = :no, confirmed_by_id = NULL WHERE id = :id", id=row.id, no=False)
    fails_naming(
        app, f"[exam_prerequisite] exam prerequisite record {row.id}", "good_standing is False", "confirmed_by_id is None"
    )
