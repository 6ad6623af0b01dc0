"""The four stage pages: one blueprint registered per stage, real statuses, and who may see whose stage."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from competencies import EvidenceCount
from tests import factories as make
from tests.factories import assign, direct
from tests.support import clock
from tests.support.statements import page_statements
from trainee_portal.extensions import db
from trainee_portal.summaries import progress

LEVELS = ("basic", "intermediate", "higher", "advanced")


def test_stage_blueprint_is_registered_once_per_stage(app):
    assert {name for name in app.blueprints if name.startswith("stage_")} == {f"stage_{lvl}" for lvl in LEVELS}
    rules = {r.rule for r in app.url_map.iter_rules()}
    assert {"/basic/", "/intermediate/", "/higher/", "/advanced/"} <= rules


@pytest.mark.parametrize("level", LEVELS)
def test_anonymous_users_are_sent_to_login(client, level):
    response = client.get(f"/{level}/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "version,expected",
    [("2021", ["Stage 1", "Stage 2", "Stage 3", "SIA Pain Medicine"]), ("2010", ["Basic", "Intermediate", "Higher", "Advanced"])],
)
def test_trainee_sees_their_curriculums_four_stages(client, login, version, expected):
    login(make.TraineeFactory(profile__curriculum_version=version))
    for level, name in zip(LEVELS, expected):
        page = client.get(f"/{level}/").data.decode()
        assert name in page
        assert "Not started" in page and "Still needed" in page


def test_stage_page_shows_status_and_missing_evidence_from_the_core(client, login, app):
    from trainee_portal import curricula

    trainee = make.TraineeFactory(profile__curriculum_version="2021")
    stage = curricula.curriculum("2021").stage_for_level("higher")
    competency = stage.competencies[0]
    rule = competency.evidence[0]
    for _ in range(rule.minimum):
        make.CaseDiscussionFactory(
            trainee=trainee,
            codes=(competency.code,),
            evidence_type=rule.evidence_type,
            supervision_level=rule.min_supervision or "4",
            occurred_on=date(2026, 1, 5),
        )
    login(trainee)
    page = client.get("/higher/").data.decode()
    assert competency.code in page and "Complete" in page or "In progress" in page
    detail = client.get(f"/higher/competency/{competency.code}").data.decode()
    assert rule.describe() in detail
    assert "Source:" in detail


def test_stage_percentage_moves_when_evidence_is_signed(client, login):
    from trainee_portal import curricula
    from trainee_portal.models import TraineeProgress

    trainee = make.TraineeFactory(profile__curriculum_version="2021")
    stage = curricula.curriculum("2021").stage_for_level("higher")
    competency, rule = next((c, r) for c in stage.competencies for r in c.evidence if r.signoff_required)
    entry = make.CaseDiscussionFactory(
        trainee=trainee,
        codes=(competency.code,),
        evidence_type=rule.evidence_type,
        status="submitted",
        supervision_level="4",
        occurred_on=date(2026, 1, 5),
    )
    before = db.session.get(TraineeProgress, (trainee.id, stage.key)).percent
    previous = progress.contribution(entry)
    entry.status = "signed"
    progress.record_change(trainee.id, previous, progress.contribution(entry))
    db.session.commit()
    after = db.session.get(TraineeProgress, (trainee.id, stage.key), populate_existing=True).percent
    assert after > before


def test_supervisor_sees_assigned_trainee_but_not_others(client, login):
    supervisor = make.SupervisorFactory()
    mine, other = make.TraineeFactory(name="Dr Mine"), make.TraineeFactory(name="Dr Other")
    assign(supervisor, mine)
    login(supervisor)
    picker = client.get("/basic/").data.decode()
    assert "Dr Mine" in picker and "Dr Other" not in picker
    assert client.get(f"/basic/?trainee={mine.id}").status_code == 200
    assert client.get(f"/basic/?trainee={other.id}").status_code == 403


def test_ended_assignment_no_longer_grants_access(client, login):
    supervisor, trainee = make.SupervisorFactory(), make.TraineeFactory()
    assign(supervisor, trainee, starts_on=date(2020, 1, 1), ends_on=date(2021, 1, 1))
    login(supervisor)
    assert client.get(f"/higher/?trainee={trainee.id}").status_code == 403


def test_director_sees_only_their_region_or_cohort(client, login):
    london, north = make.RegionFactory(name="London"), make.RegionFactory(name="North")
    cohort = make.CohortFactory(region=north)
    director = make.DirectorFactory()
    direct(director, region=london)
    direct(director, cohort=cohort)
    in_region = make.TraineeFactory(profile__region=london)
    in_cohort = make.TraineeFactory(profile__region=north, profile__cohort=cohort)
    outside = make.TraineeFactory(profile__region=north)
    login(director)
    assert client.get(f"/advanced/?trainee={in_region.id}").status_code == 200
    assert client.get(f"/advanced/?trainee={in_cohort.id}").status_code == 200
    assert client.get(f"/advanced/?trainee={outside.id}").status_code == 403


def test_admin_may_view_any_trainee(client, login):
    trainee = make.TraineeFactory()
    login(make.AdminFactory())
    assert client.get(f"/intermediate/?trainee={trainee.id}").status_code == 200


def test_trainee_cannot_view_another_trainee(client, login):
    me, other = make.TraineeFactory(), make.TraineeFactory()
    login(me)
    assert client.get(f"/basic/?trainee={other.id}").status_code == 403
    assert client.get(f"/basic/?trainee={me.id}").status_code == 200


@pytest.mark.parametrize("value", ["abc", "-1", "1e5", "9" * 40, "1; DROP TABLE user"])
def test_bad_trainee_parameter_is_404_not_500(client, login, value):
    login(make.AdminFactory())
    assert client.get("/basic/", query_string={"trainee": value}).status_code == 404


def test_unknown_competency_code_is_404(client, login):
    login(make.TraineeFactory())
    assert client.get("/higher/competency/NOPE_99").status_code == 404
    assert client.get("/higher/competency/" + "X" * 300).status_code == 404


def test_counts_reach_the_core_as_aggregates(app):
    trainee = make.TraineeFactory()
    make.CaseDiscussionFactory.create_batch(2, trainee=trainee, evidence_type="logbook.clinic", occurred_on=date(2026, 1, 5))
    assert progress.trainee_counts(trainee.id) == [EvidenceCount("S3_PM_01", "logbook.clinic", "3", "signed", 2)]


def _evidence_in(page: str, code: str) -> str:
    """The stage table's "Evidence in" cell of one competency, as its text."""
    row = page.split(f"<strong>{code}</strong>")[1].split("</tr>")[0]
    cell = row.split("Evidence in </span>")[1].split("</td>")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


def test_evidence_in_counts_each_current_entry_once_per_competency_and_the_signed_ones(client, login):
    trainee, other = make.TraineeFactory(profile__curriculum_version="2021"), make.TraineeFactory()
    make.CaseDiscussionFactory(trainee=trainee, codes=("S3_PM_01",))  # signed
    make.EvidenceFactory(trainee=trainee, codes=("S3_PM_01",), status="returned")
    make.EvidenceFactory(trainee=trainee, codes=("S3_PM_01",), status="draft")
    make.EvidenceFactory(trainee=trainee, codes=("S3_PM_01", "S3_PM_02"), status="submitted")
    make.EvidenceFactory(trainee=trainee, codes=("S3_PM_01",), superseded_at=datetime(2026, 1, 1))  # an older version
    make.CaseDiscussionFactory(trainee=other, codes=("S3_PM_02",))
    login(trainee)
    page = client.get("/higher/").data.decode()
    assert _evidence_in(page, "S3_PM_01") == "4 items: 1 signed"
    assert _evidence_in(page, "S3_PM_02") == "1 item: 0 signed"
    assert _evidence_in(page, "S3_PM_03") == "None"


def test_evidence_in_after_a_move_counts_an_entry_on_two_old_codes_once(client, login):
    region = make.RegionFactory()
    trainee = make.TraineeFactory(profile__region=region, profile__curriculum_version="2010", profile__current_stage="basic")
    make.EvidenceFactory(
        trainee=trainee, evidence_type="wba.cbd", stage_level="basic", status="submitted", codes=("PM_BK_07", "PM_BK_08")
    )
    login(make.AdminFactory())
    moved = client.post(
        f"/transitions/{trainee.id}", data={"to_version": "2021", "effective_on": clock.today().isoformat(), "note": "ARCP"}
    )
    assert moved.status_code == 302
    page = client.get(f"/basic/?trainee={trainee.id}").data.decode()
    assert _evidence_in(page, "S1_PM_02") == "1 item: 0 signed"
    assert _evidence_in(page, "S1_PM_04") == "1 item: 0 signed"


def test_the_stage_page_sends_the_same_statements_for_one_entry_and_for_many(client, login):
    trainee, supervisor = make.TraineeFactory(profile__curriculum_version="2021"), make.SupervisorFactory()
    make.EvidenceFactory(trainee=trainee)
    login(trainee)
    few = page_statements(client, "/higher/")
    for n in range(30):
        entry = make.EvidenceFactory(
            trainee=trainee, title=f"Entry {n}", codes=(f"S3_PM_0{1 + n % 7}",), status=("draft", "submitted")[n % 2]
        )
        if n % 3 == 0:
            make.SignOffFactory(evidence=entry, signer=supervisor)
    many = page_statements(client, "/higher/")
    assert len(many) == len(few), f"{len(few)} statements for one entry, {len(many)} for many"
