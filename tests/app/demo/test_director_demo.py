"""The demo director's home has something to answer with: a panel coming with trainees of every readiness colour,
worked out from real evidence, and a supervisor with sign-offs waiting."""

from __future__ import annotations

from sqlalchemy import select

from trainee_portal.demo import load_demo
from trainee_portal.demo.accounts import by_email
from trainee_portal.extensions import db
from trainee_portal.home.queries.director import director_home
from trainee_portal.models import ArcpPanelTrainee, EvidenceEntry


def test_the_demo_director_has_a_panel_of_every_colour_and_a_supervisor_with_waits(app):
    load_demo()
    home = director_home(by_email("director"))
    st6 = next(p for p in home["panels"] if p.training_year == "ST6")
    assert st6.counts["green"] >= 1 and st6.counts["amber"] >= 1 and st6.counts["red"] >= 1
    assert home["supervisors"] and home["supervisors"][0].name == "Dr James Whitfield"
    assert home["supervisors"][0].waiting >= 1 and home["supervisors"][0].overdue >= 1
    assert home["scope"] == ["London"] and home["trainees"] == 7

    ready = by_email("owen.price")
    row = db.session.scalar(
        select(ArcpPanelTrainee).where(ArcpPanelTrainee.panel_id == st6.id, ArcpPanelTrainee.trainee_id == ready.id)
    )
    assert row.readiness == "green"  # from his signed ESSR, MTR and MSF, not typed in
    kinds = set(
        db.session.scalars(
            select(EvidenceEntry.evidence_type).where(EvidenceEntry.trainee_id == ready.id, EvidenceEntry.status == "signed")
        )
    )
    assert {"report.essr", "report.mtr", "wba.msf"} <= kinds
