"""The Done-when journey: a trainee missing their MSF is red with that reason and the cut-off date; once an MSF is in
but unsigned they are amber; signed, green. The director's page and exports read the read model."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from tests.app.panels.conftest import PANEL_DATE, signed
from tests.factories import EvidenceFactory, TraineeFactory
from tests.support.statements import page_statements
from trainee_portal.extensions import db
from trainee_portal.models import ArcpPanel, ArcpPanelTrainee
from trainee_portal.panels import services
from trainee_portal.signoff import services as signoff_services


def schedule(world, *trainees, year="ST6"):
    panel = services.schedule(
        world.director, world.region, None, PANEL_DATE, year, [t.id for t in trainees], {t.id for t in trainees}, "Winter ARCP"
    )
    db.session.commit()
    return panel


def row_of(trainee):
    db.session.expire_all()
    return db.session.scalar(select(ArcpPanelTrainee).where(ArcpPanelTrainee.trainee_id == trainee.id))


def test_red_then_amber_then_green(world, sign_in):
    signed(world.trainee, world.supervisor, "report.essr", "My ESSR")
    signed(world.trainee, world.supervisor, "report.mtr", "MTR spring")
    panel = schedule(world, world.trainee)
    assert panel.cutoff_date == date(2026, 12, 31)
    assert row_of(world.trainee).readiness == "red"

    trainee = sign_in(world.trainee)
    page = trainee.get("/arcp").get_data(as_text=True)
    assert "Your next ARCP panel" in page and "Red: not ready" in page
    assert 'data-readiness="red"' in page and "&lt;" not in page
    assert "No MSF in the review period." in page
    assert "Thursday 31 December 2026" in page and "41 days" in page
    assert "/logbook/new?type=wba.msf" in page
    director = sign_in(world.director)
    page = director.get(f"/panels/{panel.id}").get_data(as_text=True)
    assert "No MSF in the review period." in page and "Red: not ready" in page
    assert "2 working days before the cut-off: 29 Dec 2026" in page

    msf = EvidenceFactory(trainee=world.trainee, evidence_type="wba.msf", title="MSF autumn", supervision_level=None)
    request = signoff_services.request_signoff(world.trainee, msf, supervisor=world.supervisor)
    db.session.commit()
    assert row_of(world.trainee).readiness == "amber"
    page = trainee.get("/arcp").get_data(as_text=True)
    assert "Amber: nearly ready" in page and "waiting for a sign-off" in page
    assert f"/logbook/{msf.id}" in page
    page = director.get(f"/panels/{panel.id}?colour=amber").get_data(as_text=True)
    assert "Dr Ready Trainee" in page and "MSF autumn" in page
    assert "Dr Ready Trainee" not in director.get(f"/panels/{panel.id}?colour=red").get_data(as_text=True)

    signoff_services.sign(request, level="2b", feedback="Good", seen_hash=msf.compute_content_hash(), decider=world.supervisor)
    db.session.commit()
    assert row_of(world.trainee).readiness == "green"
    assert "Green: ready" in trainee.get("/arcp").get_data(as_text=True)


def test_evidence_before_the_review_period_does_not_count(world):
    signed(world.trainee, world.supervisor, "wba.msf", "Old MSF", on=date(2025, 6, 1))
    schedule(world, world.trainee)
    assert "No MSF in the review period." in row_of(world.trainee).readiness_detail


def test_after_the_cutoff_the_row_stays_as_it_was(world, clock):
    schedule(world, world.trainee)
    before = row_of(world.trainee).readiness_detail
    clock.set(date(2027, 1, 4))
    signed(world.trainee, world.supervisor, "wba.msf", "Late MSF", on=date(2027, 1, 2))
    assert row_of(world.trainee).readiness_detail == before


def test_the_export_holds_each_trainees_readiness(world, sign_in):
    signed(world.trainee, world.supervisor, "report.essr", "My ESSR")
    formula = TraineeFactory(name="=HYPERLINK(1)", profile__region=world.region)
    panel = schedule(world, world.trainee, formula)
    director = sign_in(world.director)
    csv_text = director.get(f"/panels/{panel.id}/export.csv").get_data(as_text=True)
    lines = csv_text.splitlines()
    assert lines[0].startswith("Name,GMC number,Readiness,Reason")
    assert any(
        line.startswith("Dr Ready Trainee") and "Red (Not ready)" in line and "No MSF in the review period." in line
        for line in lines
    )
    assert any(line.startswith("'=HYPERLINK(1)") for line in lines)
    response = director.get(f"/panels/{panel.id}/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Name", "GMC number", "Readiness")
    ready = next(r for r in rows if r[0] == "Dr Ready Trainee")
    assert ready[2] == "Red (Not ready)" and "No MSF" in ready[3] and "MSF" in ready[5]
    only_green = director.get(f"/panels/{panel.id}/export.csv?colour=green").get_data(as_text=True)
    assert len(only_green.splitlines()) == 1


def test_the_director_page_reads_no_evidence(world, sign_in, app):
    """The panel page reads ArcpPanelTrainee rows and names: no query touches the evidence tables."""
    from sqlalchemy import event

    panel = schedule(world, world.trainee)
    director = sign_in(world.director)
    statements = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        assert director.get(f"/panels/{panel.id}").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert statements
    assert not [s for s in statements if "evidence_entry" in s or "sign_off" in s or "halo_request" in s]


def test_a_panel_is_listed_for_its_director(world, sign_in):
    schedule(world, world.trainee)
    page = sign_in(world.director).get("/panels").get_data(as_text=True)
    assert "Winter ARCP" in page and "31 Dec 2026" in page
    assert db.session.scalar(select(ArcpPanel.title)) == "Winter ARCP"


def test_the_panel_page_sends_the_same_statements_for_one_trainee_and_for_pages_of_them(world, sign_in, app):
    """A whole-region panel of one trainee and a cohort's panel of 55 (two pages, any colour): the same statements."""
    one = schedule(world, world.trainee)
    director = sign_in(world.director)
    few = len(page_statements(director, f"/panels/{one.id}"))
    many = [
        TraineeFactory(name=f"Dr Cohort {n:02d}", profile__region=world.region, profile__cohort=world.cohort) for n in range(55)
    ]
    cohort_panel = services.schedule(
        world.director, world.region, world.cohort, PANEL_DATE, "ST6", [t.id for t in many], {t.id for t in many}, "Cohort"
    )
    db.session.commit()
    for query in ("", "?page=2", "?colour=red&page=2", "?colour=green"):
        path = f"/panels/{cohort_panel.id}{query}"
        assert len(page_statements(director, path)) == few, path
    second = director.get(f"/panels/{cohort_panel.id}?page=2").get_data(as_text=True)
    assert "Dr Cohort 54" in second and "Dr Cohort 04" not in second and "Page 2 of 2" in second


def test_a_row_shows_the_trainees_readiness_as_it_is_now(world, sign_in):
    """Rows are drawn once per state and kept: the same address shows the new state once the readiness moves."""
    signed(world.trainee, world.supervisor, "report.essr", "My ESSR")
    signed(world.trainee, world.supervisor, "report.mtr", "MTR spring")
    panel = schedule(world, world.trainee)
    director = sign_in(world.director)
    before = director.get(f"/panels/{panel.id}").get_data(as_text=True)
    assert "Red: not ready" in before and "No MSF in the review period." in before
    signed(world.trainee, world.supervisor, "wba.msf", "MSF autumn")
    after = director.get(f"/panels/{panel.id}").get_data(as_text=True)
    assert "Green: ready" in after and "Red: not ready" not in after and "No MSF in the review period." not in after


def test_after_the_cutoff_each_row_links_to_the_trainees_pack(world, sign_in, clock):
    panel = schedule(world, world.trainee)
    director = sign_in(world.director)
    assert "Open the pack" not in director.get(f"/panels/{panel.id}").get_data(as_text=True)
    clock.set(date(2027, 1, 4))
    page = director.get(f"/panels/{panel.id}").get_data(as_text=True)
    link = f'<a href="/packs/panel/{panel.id}/trainee/{world.trainee.id}">Open the pack'
    assert link in page and ">Pack </span>" in page and "of Dr Ready Trainee" in page
