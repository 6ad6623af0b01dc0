"""Scheduling panels: the cut-off counted in the region's nation's working days and kept, bad input refused with a
message, the scheduling audited, a region's settings validated, a panel cancelled but kept."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.app.panels.conftest import PANEL_DATE, TODAY
from trainee_portal.extensions import db
from trainee_portal.models import ArcpPanel, ArcpPanelTrainee, AuditRecord, Region


def form(scope, trainees, **changes):
    data = {
        "scope": scope,
        "panel_date": PANEL_DATE.isoformat(),
        "training_year": "ST6",
        "title": "Winter ARCP",
        "trainees": trainees,
    }
    data.update(changes)
    return data


def test_the_form_lists_the_scope_trainees_all_ticked(world, sign_in):
    client = sign_in(world.director)
    page = client.get("/panels/new").get_data(as_text=True)
    assert f"region-{world.region.id}" in page and f"cohort-{world.cohort.id}" in page
    assert f"region-{world.other_region.id}" not in page
    page = client.get(f"/panels/new?scope=cohort-{world.cohort.id}").get_data(as_text=True)
    assert "Dr Ready Trainee" in page and "checked" in page
    assert "Dr Outside Trainee" not in page


def test_a_director_schedules_a_panel_with_a_cutoff_past_the_new_year_bank_holiday(world, sign_in):
    client = sign_in(world.director)
    response = client.post("/panels/new", data=form(f"region-{world.region.id}", [world.trainee.id]))
    assert response.status_code == 302, response.get_data(as_text=True)
    panel = db.session.scalar(select(ArcpPanel))
    assert panel.cutoff_date == date(2026, 12, 31)  # England: 7, 6, 5, 4 January, then 31 December (1 January a holiday)
    assert panel.cutoff_working_days == 5
    row = db.session.scalar(select(ArcpPanelTrainee))
    assert row.trainee_id == world.trainee.id and row.readiness == "red" and row.readiness_at is not None
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "panel.scheduled"))
    assert record.actor_id == world.director.id
    page = client.get(f"/panels/{panel.id}").get_data(as_text=True)
    assert "Thursday 31 December 2026" in page and "Dr Ready Trainee" in page


def test_scotlands_second_of_january_moves_the_cutoff(world, sign_in):
    client = sign_in(world.other_director)
    response = client.post("/panels/new", data=form(f"region-{world.other_region.id}", [world.outsider.id]))
    assert response.status_code == 302
    assert db.session.scalar(select(ArcpPanel.cutoff_date)) == date(2026, 12, 30)  # 4 January (for 2 January) not counted


def test_bad_input_gets_messages_and_stores_nothing(world, sign_in):
    client = sign_in(world.director)
    scope = f"region-{world.region.id}"
    cases = [
        (form(scope, [world.trainee.id], panel_date=TODAY.isoformat()), "The panel date must be in the future."),
        (form(scope, [world.trainee.id], panel_date="2026-13-45"), "Enter a real date"),
        (form(scope, []), "Choose at least one trainee for the panel."),
        (form(scope, ["abc"]), "Choose trainees from the list."),
        (form(scope, [world.trainee.id], training_year="ST99"), "Not a valid choice"),
        (form("region-999999", [world.trainee.id]), "Choose a region or cohort from the list."),
        (form(scope, [world.trainee.id], panel_date=date(2026, 11, 24).isoformat()), "already past"),
    ]
    for data, message in cases:
        response = client.post("/panels/new", data=data)
        assert response.status_code == 400, (data, response.status_code)
        assert message in response.get_data(as_text=True), message
    assert db.session.scalar(select(ArcpPanel)) is None


def test_attack_a_director_cannot_put_another_regions_trainee_on_their_panel(world, sign_in):
    client = sign_in(world.director)
    response = client.post("/panels/new", data=form(f"region-{world.region.id}", [world.trainee.id, world.outsider.id]))
    assert response.status_code == 400
    assert "not in this region or cohort" in response.get_data(as_text=True)
    response = client.post("/panels/new", data=form(f"region-{world.other_region.id}", [world.outsider.id]))
    assert response.status_code == 400
    assert db.session.scalar(select(ArcpPanel)) is None


def test_attack_another_regions_director_cannot_see_export_or_cancel_a_panel(world, sign_in):
    client = sign_in(world.director)
    client.post("/panels/new", data=form(f"region-{world.region.id}", [world.trainee.id]))
    panel = db.session.scalar(select(ArcpPanel))
    intruder = sign_in(world.other_director)
    for url in (f"/panels/{panel.id}", f"/panels/{panel.id}/export.csv", f"/panels/{panel.id}/export.xlsx"):
        response = intruder.get(url)
        assert response.status_code == 403, url
        assert "Dr Ready Trainee" not in response.get_data(as_text=True)
    assert intruder.post(f"/panels/{panel.id}/cancel").status_code == 403
    assert "Dr Ready Trainee" not in intruder.get("/panels").get_data(as_text=True)
    assert intruder.get(f"/panels/{panel.id + 1000}").status_code == 404
    assert intruder.get(f"/panels/settings/{world.region.id}").status_code == 403
    db.session.expire_all()
    assert db.session.get(ArcpPanel, panel.id).cancelled_at is None


def test_a_cohort_director_schedules_for_their_cohort_only(world, sign_in, app):
    from tests.factories import DirectorFactory, direct

    cohort_director = DirectorFactory()
    direct(cohort_director, cohort=world.cohort)
    client = sign_in(cohort_director)
    page = client.get("/panels/new").get_data(as_text=True)
    assert f"cohort-{world.cohort.id}" in page and f"region-{world.region.id}" not in page
    assert client.post("/panels/new", data=form(f"region-{world.region.id}", [world.trainee.id])).status_code == 400
    assert client.post("/panels/new", data=form(f"cohort-{world.cohort.id}", [world.trainee.id])).status_code == 302


def test_cancelling_keeps_the_panel_and_audits_it(world, sign_in):
    client = sign_in(world.director)
    client.post("/panels/new", data=form(f"region-{world.region.id}", [world.trainee.id]))
    panel = db.session.scalar(select(ArcpPanel))
    assert client.post(f"/panels/{panel.id}/cancel").status_code == 302
    db.session.expire_all()
    assert db.session.get(ArcpPanel, panel.id).cancelled_at is not None
    assert db.session.scalar(select(AuditRecord).where(AuditRecord.action == "panel.cancelled")) is not None
    assert "Winter ARCP" not in client.get("/panels").get_data(as_text=True)
    assert "Cancelled" in client.get(f"/panels/{panel.id}").get_data(as_text=True)


def test_region_settings_are_validated_and_audited(world, sign_in):
    client = sign_in(world.director)
    url = f"/panels/settings/{world.region.id}"
    for bad in ("0", "61", "ten", ""):
        response = client.post(url, data={"nation": "wales", "cutoff_working_days": bad})
        assert response.status_code == 400, bad
    assert client.post(url, data={"nation": "atlantis", "cutoff_working_days": "10"}).status_code == 400
    assert client.post(url, data={"nation": "wales", "cutoff_working_days": "15"}).status_code == 302
    db.session.expire_all()
    region = db.session.get(Region, world.region.id)
    assert (region.nation, region.arcp_cutoff_working_days) == ("wales", 15)
    assert db.session.scalar(select(AuditRecord).where(AuditRecord.action == "region.panel_settings")) is not None
