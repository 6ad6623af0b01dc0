"""Dates written out of stored times (naive UTC) fall on the UK day they happened: a signature confirmed, voided, given
or asked for at 23:30 UTC in summer (00:30 BST) is dated the next day in its label, the portfolio PDF, the HALO and MSF
pages and the reminder emails, as the pages' own |uk dates are."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select

from tests.app.signoff.helpers import cast
from tests.factories import DopsFactory, SignOffFactory, SupervisorFactory, TraineeFactory
from tests.support.pdftext import flat_text
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.models import HaloRequest, MsfRound, OutboxMessage, SignOffRequest
from trainee_portal.notifications.reminders import queue_reminders
from trainee_portal.signoff.labels import signature_label

LATE_EVENING_UTC = datetime(2026, 7, 1, 23, 30)  # 00:30 BST on 2 July


def _assessor_signature(**changes) -> SimpleNamespace:
    fields = {
        "signer_id": None,
        "signer": None,
        "method": "assessor_link",
        "assessor_name": "Dr Visiting Consultant",
        "assessor_email": "locum@pain-clinic.example",
        "assurance": "confirmed",
        "confirmed_by": SimpleNamespace(name="Dr Assigned Supervisor"),
        "confirmed_at": LATE_EVENING_UTC,
        "voided_at": None,
        "void_reason": None,
    }
    return SimpleNamespace(**(fields | changes))


def _signed_halo(trainee, supervisor, **times) -> HaloRequest:
    """A HALO of the trainee's first stage, signed by `supervisor`, asked for and decided at the times given."""
    stage = curricula.curriculum("2021").stages[0]
    halo = HaloRequest(
        trainee_id=trainee.id,
        curriculum_version="2021",
        stage_key=stage.key,
        status="signed",
        decided_by_id=supervisor.id,
        **times,
    )
    db.session.add(halo)
    db.session.commit()
    return halo


def test_a_signature_label_dates_its_confirmation_and_its_voiding_on_the_uk_day():
    assert signature_label(_assessor_signature()).endswith("(educational supervisor) on 02 July 2026")
    winter = signature_label(_assessor_signature(confirmed_at=datetime(2026, 1, 5, 23, 30)))  # GMT: the same day
    assert winter.endswith("on 05 January 2026")
    voided = signature_label(_assessor_signature(voided_at=datetime(2026, 7, 2, 23, 10), void_reason="Signed the wrong entry"))
    assert voided.endswith("Void since 03 July 2026: Signed the wrong entry")


def test_the_portfolio_dates_signatures_and_halos_on_the_uk_day(client, login):
    trainee, supervisor = TraineeFactory(), SupervisorFactory(name="Dr Siân Jones")
    signature = SignOffFactory(evidence=DopsFactory(trainee=trainee, title="Lumbar facet injection"), signer=supervisor)
    signature.signed_at = LATE_EVENING_UTC
    _signed_halo(trainee, supervisor, created_at=datetime(2026, 8, 3, 23, 15), decided_at=datetime(2026, 8, 9, 23, 45))
    login(trainee)
    text = flat_text(client.get("/logbook/portfolio.pdf").data)
    assert "Signed by Dr Siân Jones, assigned supervisor, 02/07/2026" in text and "01/07/2026" not in text
    assert "04/08/2026" in text and "10/08/2026" in text and "03/08/2026" not in text and "09/08/2026" not in text


def test_the_halo_page_dates_the_decision_on_the_uk_day(client, login):
    trainee, supervisor = TraineeFactory(), SupervisorFactory(name="Dr Siân Jones")
    halo = _signed_halo(trainee, supervisor, created_at=datetime(2026, 6, 30, 9), decided_at=LATE_EVENING_UTC)
    login(trainee)
    page = client.get(f"/halo/{halo.id}").get_data(as_text=True)
    assert "2 July 2026 by Dr Siân Jones" in page and "1 July 2026" not in page


def test_reminders_date_the_request_and_its_link_and_count_waiting_days_on_the_uk_clock(app):
    people = cast()
    to_assessor = SignOffRequest(
        evidence_id=DopsFactory(trainee=people.owner, title="Caudal epidural").id,
        requested_by_id=people.owner.id,
        assessor_email="locum@pain-clinic.example",
        token_hash="f" * 64,
        created_at=LATE_EVENING_UTC,
        expires_at=datetime(2026, 7, 15, 23, 30),
    )
    to_supervisor = SignOffRequest(
        evidence_id=DopsFactory(trainee=people.owner, title="Stellate ganglion block").id,
        requested_by_id=people.owner.id,
        supervisor_id=people.supervisor.id,
        created_at=datetime(2026, 7, 1, 22, 30),  # 23:30 BST on 1 July
    )
    db.session.add_all([to_assessor, to_supervisor])
    db.session.commit()
    # 00:30 BST on 9 July: 8 UK days after 1 July, though 7 days and an hour after the supervisor's request
    assert queue_reminders(7, datetime(2026, 7, 8, 23, 30)) == 2
    db.session.commit()
    bodies = {m.to_email: m.body for m in db.session.scalars(select(OutboxMessage))}
    assessor = bodies["locum@pain-clinic.example"]
    assert "asked you on 02 July 2026" in assessor and "it works until 16 July 2026" in assessor
    assert '"Stellate ganglion block", waiting 8 days' in bodies[people.supervisor.email]


def test_the_msf_page_dates_the_decision_on_the_uk_day(client, login):
    trainee, supervisor = TraineeFactory(), SupervisorFactory(name="Dr Siân Jones")
    msf_round = MsfRound(
        trainee_id=trainee.id,
        title="St Elsewhere, August to December",
        curriculum_version="2021",
        status="closed",
        created_at=datetime(2026, 6, 1, 9),
        decided_at=LATE_EVENING_UTC,
        decided_by_id=supervisor.id,
    )
    db.session.add(msf_round)
    db.session.commit()
    login(trainee)
    page = client.get(f"/msf/{msf_round.id}").get_data(as_text=True)
    assert "2 July 2026 by Dr Siân Jones" in page and "1 July 2026" not in page
