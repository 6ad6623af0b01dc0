"""Attacks on ARCP panels, panel packs, the verify page and reminders: each test fails if its attack works."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date, datetime

import pytest
from flask import g
from sqlalchemy import select, text

from tests.app.packs.test_packs import CUTOFF, PANEL_DAY, at, people, sign, submitted  # noqa: F401 (people: fixture)
from tests.app.panels.conftest import world  # noqa: F401 (a fixture)
from tests.conftest import TEST_PASSWORD
from tests.factories import (
    CohortFactory,
    DirectorFactory,
    ExamAttemptFactory,
    RegionFactory,
    SupervisorFactory,
    TraineeFactory,
    UserFactory,
    direct,
)
from trainee_portal import integrity
from trainee_portal.exams import services as exams
from trainee_portal.extensions import db
from trainee_portal.models import ArcpOutcome, ArcpPanel, DocumentExport, PanelPack, RoleScope
from trainee_portal.packs import services
from trainee_portal.panels import services as panel_services


def _client(app, user):
    g.pop("_login_user", None)  # tests share one app context: Flask-Login's per-request cache would leak
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 302
    return client


def _regional(region, role):
    user = UserFactory(roles=(role,))
    db.session.add(RoleScope(user_id=user.id, role=role, region_id=region.id))
    db.session.commit()
    return user


# --- access -------------------------------------------------------------------------------------


def test_outsiders_neither_read_nor_change_panels_packs_or_settings(app, people, clock):  # noqa: F811
    clock.set(at(10))
    pack = services.freeze(people.panel, people.trainee.id)
    elsewhere = DirectorFactory()
    direct(elsewhere, region=RegionFactory())
    cohort_director = DirectorFactory()
    direct(cohort_director, cohort=CohortFactory())
    outsiders = [
        elsewhere,
        cohort_director,
        people.supervisor,
        people.other,
        _regional(people.region, "faculty_tutor"),
        _regional(people.region, "rapm"),
    ]
    panel, region = people.panel.id, people.region.id
    for user in outsiders:
        client = _client(app, user)
        for url in (
            f"/panels/{panel}",
            f"/panels/{panel}/export.csv",
            f"/panels/{panel}/export.xlsx",
            f"/panels/settings/{region}",
            f"/packs/{pack.id}",
            f"/packs/{pack.id}/pack.pdf",
            f"/packs/{pack.id}/outcome",
            f"/packs/panel/{panel}/trainee/{people.trainee.id}",
        ):
            assert client.get(url).status_code in (403, 404), (user.email, url)
        for url, data in (
            (f"/panels/{panel}/cancel", {}),
            (f"/panels/settings/{region}", {"nation": "england", "cutoff_working_days": "1"}),
            (f"/packs/{pack.id}/outcome", {"outcome": "1"}),
        ):
            assert client.post(url, data=data).status_code in (400, 403, 404), (user.email, url)
    db.session.expire_all()
    assert db.session.get(ArcpPanel, panel).cancelled_at is None
    assert db.session.scalar(select(db.func.count()).select_from(ArcpOutcome)) == 0
    assert db.session.get(type(people.region), region).arcp_cutoff_working_days != 1


def test_schedule_form_refuses_trainees_and_cohorts_of_another_region(app, clock):
    clock.set(datetime(2027, 1, 4, 10))
    mine, theirs = RegionFactory(), RegionFactory()
    director = DirectorFactory()
    direct(director, region=mine)
    own = TraineeFactory(profile__region=mine)
    stranger = TraineeFactory(profile__region=theirs)
    their_cohort = CohortFactory(region=theirs)
    client = _client(app, director)
    base = {"panel_date": "2027-06-17", "training_year": "ST6", "title": "x"}
    forged = client.post("/panels/new", data={**base, "scope": f"region-{mine.id}", "trainees": [own.id, stranger.id]})
    assert forged.status_code in (200, 400)
    cohort = client.post("/panels/new", data={**base, "scope": f"cohort-{their_cohort.id}", "trainees": [stranger.id]})
    assert cohort.status_code in (200, 400)
    assert db.session.scalar(select(db.func.count()).select_from(ArcpPanel)) == 0
    with pytest.raises(panel_services.PanelError):
        panel_services.schedule(director, mine, their_cohort, date(2027, 6, 17), "ST6", [own.id], {own.id})


def test_a_trainee_who_is_also_a_director_cannot_record_their_own_outcome(app, people, clock):  # noqa: F811
    people.trainee.set_roles(("trainee", "director"))
    db.session.commit()
    direct(people.trainee, region=people.region)
    clock.set(at(10))
    pack = services.freeze(people.panel, people.trainee.id)
    clock.set(at(22, 15))
    client = _client(app, people.trainee)
    assert client.post(f"/packs/{pack.id}/outcome", data={"outcome": "1"}).status_code == 403
    assert db.session.scalar(select(db.func.count()).select_from(ArcpOutcome)) == 0


# --- packs --------------------------------------------------------------------------------------


def test_no_outcome_against_the_pack_of_a_cancelled_panel(app, people, clock):  # noqa: F811
    clock.set(at(10))
    pack = services.freeze(people.panel, people.trainee.id)
    panel_services.cancel(people.director, people.panel)
    db.session.commit()
    clock.set(at(22, 15))
    client = _client(app, people.director)
    client.post(f"/packs/{pack.id}/outcome", data={"outcome": "1"})
    assert db.session.scalar(select(db.func.count()).select_from(ArcpOutcome)) == 0


def test_an_exam_result_corrected_after_the_cut_off_does_not_reach_the_pack(people, clock):  # noqa: F811
    clock.set(at(2))
    attempt = ExamAttemptFactory(trainee=people.trainee, result="fail")
    db.session.commit()
    clock.set(at(9, 5))  # after the cut-off day, before the pack is first asked for
    exams.correct_attempt(attempt, "pass", None, None, "Marking error", people.director)
    db.session.commit()
    clock.set(at(10))
    pack = services.freeze(people.panel, people.trainee.id)
    (exam,) = json.loads(pack.items)["exams"]
    assert exam["result"] == "fail" and exam["corrected_after_cutoff"] is True


def test_a_halo_decided_after_the_cut_off_is_shown_as_requested(people, clock):  # noqa: F811
    from trainee_portal.models import HaloRequest

    clock.set(at(2))
    halo = HaloRequest(
        trainee_id=people.trainee.id, curriculum_version="2021", stage_key="basic", status="signed", created_at=at(2)
    )
    halo.decided_at, halo.decided_by_id = at(9, 5), people.director.id
    db.session.add(halo)
    db.session.commit()
    clock.set(at(10))
    pack = services.freeze(people.panel, people.trainee.id)
    (shown,) = json.loads(pack.items)["halos"]
    assert shown["status"] == "requested" and shown["decided_by"] is None


def test_no_pack_before_the_cut_off_day_is_over_in_summer_time(people, clock):  # noqa: F811
    people.panel.cutoff_date = date(2027, 10, 29)  # BST until 31 October: the day ends at 23:00 UTC
    people.panel.panel_date = date(2027, 11, 12)
    db.session.commit()
    clock.set(datetime(2027, 10, 29, 22, 30))  # 23:30 in the UK
    assert services.freeze(people.panel, people.trainee.id) is None
    assert services.freeze_due() == 0
    clock.set(datetime(2027, 10, 29, 23, 0))  # midnight in the UK
    assert services.freeze(people.panel, people.trainee.id) is not None


def test_a_dba_moving_a_panels_cut_off_after_packs_froze_is_named(people, clock):  # noqa: F811
    clock.set(at(10))
    services.freeze(people.panel, people.trainee.id)
    people.panel.cutoff_date = date(2027, 3, 15)  # not through the app: no panel.* record
    db.session.execute(
        text("UPDATE arcp_panel SET cutoff_date = :d WHERE id = :id"), {"d": date(2027, 3, 15), "id": people.panel.id}
    )
    db.session.commit()
    report = integrity.verify_all()
    assert not report.ok
    assert any("cutoff_date" in p.detail for p in report.problems)


def test_a_dba_deleting_a_pack_is_named(people, clock):  # noqa: F811
    clock.set(at(10))
    pack = services.freeze(people.panel, people.trainee.id)
    db.session.execute(text("DELETE FROM panel_pack WHERE id = :id"), {"id": pack.id})
    db.session.commit()
    report = integrity.verify_all()
    assert any(p.kind == "panel_pack" and "gone" in p.detail for p in report.problems)


# --- bad input ----------------------------------------------------------------------------------


def test_bad_ids_and_dates_get_a_clear_answer_never_a_500(app, people, clock):  # noqa: F811
    clock.set(at(2))
    client = _client(app, people.director)
    huge = "9" * 25
    for url in (
        f"/packs/{huge}",
        f"/packs/{huge}/pack.pdf",
        f"/packs/{huge}/outcome",
        f"/packs/panel/{huge}/trainee/{huge}",
        f"/packs/panel/{people.panel.id}/trainee/{huge}",
        f"/panels/{huge}",
        f"/panels/{huge}/export.csv",
        f"/panels/settings/{huge}",
        "/panels/abc",
        f"/panels/new?scope=region-{huge}",
        "/panels/new?scope=region-%00",
        "/verify/%00%01",
        "/verify/" + "Z" * 5000,
        "/verify/ÄÖÜ-ŻŹ",
    ):
        assert client.get(url).status_code < 500, url
    for day in ("0001-01-01", "9999-12-31", "2027-02-30", "\x00", "२०२७-०६-१७"):
        response = client.post(
            "/panels/new",
            data={
                "scope": f"region-{people.region.id}",
                "panel_date": day,
                "training_year": "ST6",
                "trainees": [people.trainee.id],
            },
        )
        assert response.status_code in (200, 400), day
    for days in (huge, "-1", "0", "61", "1e3", "\x00"):
        response = client.post(f"/panels/settings/{people.region.id}", data={"nation": "england", "cutoff_working_days": days})
        assert response.status_code in (200, 400), days
    response = client.post(
        "/panels/new",
        data={"scope": f"region-{people.region.id}", "panel_date": "2027-06-17", "training_year": "ST6", "trainees": [huge, "x"]},
    )
    assert response.status_code in (200, 400)
    assert db.session.scalar(select(db.func.count()).select_from(ArcpPanel)) == 1


# --- reminders ----------------------------------------------------------------------------------


def test_a_supervisor_reminder_names_only_the_items_waiting_for_that_supervisor(world, clock):  # noqa: F811
    from tests.app.panels.conftest import PANEL_DATE, signed
    from tests.app.panels.test_reminders import messages, run_on
    from tests.factories import EvidenceFactory, assign
    from trainee_portal.signoff import services as signoff_services

    signed(world.trainee, world.supervisor, "report.mtr", "MTR")
    other = SupervisorFactory(name="Dr Other Supervisor")
    assign(other, world.trainee)
    msf = EvidenceFactory(trainee=world.trainee, evidence_type="wba.msf", title="MSF held by Ed", supervision_level=None)
    signoff_services.request_signoff(world.trainee, msf, supervisor=world.supervisor)
    essr = EvidenceFactory(trainee=world.trainee, evidence_type="report.essr", title="ESSR held by Other")
    signoff_services.request_signoff(world.trainee, essr, supervisor=other)
    db.session.commit()
    panel_services.schedule(world.director, world.region, None, PANEL_DATE, "ST6", [world.trainee.id], {world.trainee.id})
    db.session.commit()
    run_on(clock, date(2026, 12, 3))
    run_on(clock, date(2026, 12, 3))  # the command run twice: sent once
    by_user = {}
    for message in messages():
        by_user.setdefault(message.user_id, []).append(message)
    assert sorted(by_user) == sorted([world.trainee.id, world.supervisor.id, other.id])
    assert all(len(sent) == 1 for sent in by_user.values())
    (ed,) = by_user[world.supervisor.id]
    (them,) = by_user[other.id]
    assert "MSF held by Ed" in ed.body and "ESSR held by Other" not in ed.body
    assert "ESSR held by Other" in them.body and "MSF held by Ed" not in them.body


# --- the verify page ----------------------------------------------------------------------------


def _upload(client, code, data, name="pack.pdf"):
    return client.post(f"/verify/{code}", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _issued_pack_pdf(app, people, clock):  # noqa: F811
    _entry, request = submitted(people, "Private reflection title", clock, at(2))
    sign(people, request, clock, at(3))
    clock.set(at(10))
    pack = services.freeze(people.panel, people.trainee.id)
    data = _client(app, people.trainee).get(f"/packs/{pack.id}/pack.pdf").data
    export = db.session.scalar(select(DocumentExport).where(DocumentExport.panel_pack_id == pack.id))
    g.pop("_login_user", None)
    return export, data, app.test_client()


def test_the_verify_page_tells_nothing_beyond_what_the_holder_has(app, people, clock):  # noqa: F811
    export, _data, anonymous = _issued_pack_pdf(app, people, clock)
    page = anonymous.get(f"/verify/{export.code}").get_data(as_text=True)
    gmc = people.trainee.trainee_profile.gmc_number
    assert gmc not in page and people.trainee.email not in page and people.director.email not in page
    assert "Private reflection title" not in page and people.supervisor.name not in page
    # unknown codes, well formed or not, get one neutral answer
    answers = {anonymous.get(f"/verify/{code}").status_code for code in ("ZZZZ-ZZZZ-ZZ", "abc", "0" * 12, "%20")}
    assert answers == {404}
    bodies = {anonymous.get(f"/verify/{code}").get_data(as_text=True) for code in ("ZZZZ-ZZZZ-ZZ", "QQQQ-QQQQ-QQ")}
    assert len(bodies) == 1
    assert len(export.code.replace("-", "")) >= 10


def test_bad_uploads_get_a_clear_message(app, people, clock):  # noqa: F811
    export, _data, anonymous = _issued_pack_pdf(app, people, clock)
    empty = _upload(anonymous, export.code, b"")
    assert empty.status_code < 500 and "This is the document issued on" not in empty.get_data(as_text=True)
    not_pdf = _upload(anonymous, export.code, b"GIF89a" + b"\x00" * 100, "x.gif")
    assert not_pdf.status_code < 500 and "not a PDF" in not_pdf.get_data(as_text=True)
    huge = _upload(anonymous, export.code, b"%PDF-" + b"0" * (13 * 1024 * 1024))
    assert huge.status_code in (200, 400, 413)
    no_file = anonymous.post(f"/verify/{export.code}", data={}, content_type="multipart/form-data")
    assert no_file.status_code in (200, 400)


def test_a_document_whose_stored_hash_a_dba_swapped_does_not_verify_a_forgery(app, people, clock):  # noqa: F811
    export, data, anonymous = _issued_pack_pdf(app, people, clock)
    forged = data + b"\n% forged trailer\n"
    assert forged != data
    db.session.execute(
        text("UPDATE document_export SET sha256 = :s, size = :n WHERE id = :id"),
        {"s": hashlib.sha256(forged).hexdigest(), "n": len(forged), "id": export.id},
    )
    db.session.commit()
    db.session.expire_all()
    page = _upload(anonymous, export.code, forged).get_data(as_text=True)
    assert "This is the document issued on" not in page
    assert any(p.kind == "document" for p in integrity.verify_all().problems)


def test_exports_survive_names_and_titles_with_formulas_and_control_characters(app, people, clock):  # noqa: F811
    """A name from a logbook import or an older row holding control characters or a formula: the export still works
    and the spreadsheet shows text."""
    people.trainee.name = '=HYPERLINK(\x01"http://evil")'
    db.session.commit()
    clock.set(at(2))
    client = _client(app, people.director)
    csv_text = client.get(f"/panels/{people.panel.id}/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text
    assert client.get(f"/panels/{people.panel.id}/export.xlsx").status_code == 200


def test_a_pack_edited_without_its_hash_is_named_and_shown_as_changed(app, people, clock):  # noqa: F811
    clock.set(at(10))
    pack = services.freeze(people.panel, people.trainee.id)
    forged = pack.items.replace('"readiness":{"colour":"amber"', '"readiness":{"colour":"green"')
    assert forged != pack.items
    db.session.execute(text("UPDATE panel_pack SET items = :i WHERE id = :id"), {"i": forged, "id": pack.id})
    db.session.commit()
    db.session.expire_all()
    assert not services.intact(db.session.get(PanelPack, pack.id))
    assert any(p.kind == "panel_pack" for p in integrity.verify_all().problems)


def test_a_trainee_slipped_onto_a_panel_by_sql_is_named(people, clock):  # noqa: F811
    outsider = TraineeFactory(profile__region=people.region)
    db.session.execute(
        text(
            "INSERT INTO arcp_panel_trainee (panel_id, trainee_id, readiness, readiness_detail, added_at) VALUES (:p, :t, 'green', '{}', :a)"
        ),
        {"p": people.panel.id, "t": outsider.id, "a": at(2)},
    )
    db.session.commit()
    assert any(p.kind == "arcp_panel" and "trainee_ids" in p.detail for p in integrity.verify_all().problems)


def test_a_new_version_made_after_the_cut_off_leaves_the_signed_version_in_the_pack(people, clock):  # noqa: F811
    from trainee_portal.logbook import services as logbook

    entry, request = submitted(people, "Signed then superseded", clock, at(2))
    sign(people, request, clock, at(3))
    clock.set(at(9, 5))
    logbook.new_version(people.trainee, entry)
    db.session.commit()
    clock.set(at(10))
    pack = services.freeze(people.panel, people.trainee.id)
    (item,) = json.loads(pack.items)["evidence"]
    assert item["id"] == entry.id and item["status"] == "signed" and item["signatures"][0]["counted"] is True


def test_panel_page_parameters_out_of_range_are_not_a_500(app, people, clock):  # noqa: F811
    clock.set(at(2))
    client = _client(app, people.director)
    for query in ("page=" + "9" * 30, "page=-5", "page=abc", "page=%00", "colour=<script>", "colour=" + "x" * 5000):
        assert client.get(f"/panels/{people.panel.id}?{query}").status_code < 500, query
        assert client.get(f"/panels/{people.panel.id}/export.csv?{query}").status_code < 500, query


def test_a_trainee_who_is_also_a_director_neither_schedules_nor_cancels_their_own_panel(app, people, clock):  # noqa: F811
    people.trainee.set_roles(("trainee", "director"))
    db.session.commit()
    direct(people.trainee, region=people.region)
    clock.set(datetime(2027, 1, 4, 10))
    client = _client(app, people.trainee)
    form = client.get(f"/panels/new?scope=region-{people.region.id}").get_data(as_text=True)
    assert people.trainee.trainee_profile.gmc_number not in form  # not offered as a trainee for the panel
    client.post(
        "/panels/new",
        data={
            "scope": f"region-{people.region.id}",
            "panel_date": "2027-06-17",
            "training_year": "ST6",
            "trainees": [people.trainee.id, people.other.id],
        },
    )
    assert db.session.scalar(select(db.func.count()).select_from(ArcpPanel)) == 1  # only the fixture's
    client.post(f"/panels/{people.panel.id}/cancel", data={})
    db.session.expire_all()
    assert db.session.get(ArcpPanel, people.panel.id).cancelled_at is None


def test_the_cut_off_day_ends_at_uk_midnight_on_both_clock_changes():
    from competencies import panel_pack

    assert panel_pack.cutoff_instant(date(2027, 3, 27)) == datetime(2027, 3, 28, 0, 0)  # GMT to its end
    assert panel_pack.cutoff_instant(date(2027, 3, 28)) == datetime(2027, 3, 28, 23, 0)  # the short day, then BST
    assert panel_pack.cutoff_instant(date(2027, 10, 30)) == datetime(2027, 10, 30, 23, 0)  # BST to its end
    assert panel_pack.cutoff_instant(date(2027, 10, 31)) == datetime(2027, 11, 1, 0, 0)  # the long day, then GMT
    assert not panel_pack.is_due(date(2027, 10, 30), datetime(2027, 10, 30, 22, 59, 59))
    assert panel_pack.is_due(date(2027, 10, 30), datetime(2027, 10, 30, 23, 0))


def test_a_cohort_director_of_the_same_region_cannot_change_its_cut_off_setting(app, people, clock):  # noqa: F811
    cohort = CohortFactory(region=people.region)
    cohort_director = DirectorFactory()
    direct(cohort_director, cohort=cohort)
    clock.set(at(2))
    client = _client(app, cohort_director)
    assert client.get(f"/panels/settings/{people.region.id}").status_code == 403
    posted = client.post(f"/panels/settings/{people.region.id}", data={"nation": "wales", "cutoff_working_days": "1"})
    assert posted.status_code == 403
    assert client.get(f"/panels/{people.panel.id}").status_code == 403  # a whole-region panel is not theirs


def test_a_trainee_probing_panel_ids_learns_nothing_of_panels_they_are_not_on(app, people, clock):  # noqa: F811
    elsewhere = RegionFactory()
    director = DirectorFactory()
    hidden = ArcpPanel(
        region_id=elsewhere.id,
        panel_date=date(2027, 9, 14),
        training_year="ST4",
        cutoff_working_days=10,
        cutoff_date=date(2027, 8, 31),
        title="Secret panel",
        created_by_id=director.id,
    )
    db.session.add(hidden)
    db.session.commit()
    clock.set(at(2))
    client = _client(app, people.trainee)
    response = client.get(f"/packs/panel/{hidden.id}/trainee/{people.trainee.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "14 September 2027" not in page and "Secret panel" not in page and "ST4" not in page
