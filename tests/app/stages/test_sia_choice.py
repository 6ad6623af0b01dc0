"""The SIA a trainee follows at /advanced: offered while none is chosen, chosen by the trainee once (or set by their
director or an administrator), audited, and followed by progress summaries and the cohort dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import factories as make
from tests.factories import assign, direct
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import AuditRecord, TraineeProfile, TraineeProgress

PAIN, INPATIENT = "sia-pain", "sia-acute-inpatient"
PAIN_NAME, INPATIENT_NAME = "Stage 3 SIA Pain Medicine", "Stage 3 SIA Acute Inpatient Pain"


def _choose(client, trainee_id, key):
    return client.post(f"/advanced/sia/{trainee_id}", data={"stage_key": key})


def _profile(trainee) -> TraineeProfile:
    db.session.expire_all()
    return db.session.get(TraineeProfile, trainee.id)


def _progress_keys(trainee) -> set[str]:
    rows = db.session.scalars(select(TraineeProgress.stage_key).where(TraineeProgress.trainee_id == trainee.id))
    return set(rows)


def test_advanced_offers_both_sias_until_the_trainee_chooses_one(client, login):
    trainee = make.TraineeFactory()
    login(trainee)
    page = client.get("/advanced/").get_data(as_text=True)
    assert "Choose your SIA" in page and PAIN_NAME in page and INPATIENT_NAME in page
    assert "SIA_PM_A" in page and "SIA_AIP_01" in page and 'name="stage_key"' in page
    assert client.get("/advanced/competency/SIA_AIP_01").status_code == 200
    assert client.get("/advanced/competency/SIA_PM_A").status_code == 200


def test_trainee_chooses_their_sia_once_and_everything_follows_it(client, login):
    trainee = make.TraineeFactory()
    make.EvidenceFactory(trainee=trainee, evidence_type="logbook.mdt", supervision_level=None, codes=("SIA_AIP_05",))
    assert _progress_keys(trainee) == {"stage-1", "stage-2", "stage-3", PAIN}  # none chosen: the first SIA
    login(trainee)
    response = _choose(client, trainee.id, INPATIENT)
    assert response.status_code == 302 and response.headers["Location"].endswith("/advanced/")
    assert _profile(trainee).sia_stage_key == INPATIENT
    assert _progress_keys(trainee) == {"stage-1", "stage-2", "stage-3", INPATIENT}
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "profile.sia_chosen")).one()
    assert record.trainee_id == trainee.id and record.actor_id == trainee.id and INPATIENT in record.payload
    page = client.get("/advanced/").get_data(as_text=True)
    assert f'<h1 class="nhsuk-heading-l">{INPATIENT_NAME}</h1>' in page
    assert "SIA_AIP_05" in page and "SIA_PM_A" not in page and 'name="stage_key"' not in page
    assert INPATIENT_NAME in client.get("/").get_data(as_text=True)
    # Chosen once: changing it is for the training director or an administrator.
    assert _choose(client, trainee.id, PAIN).status_code == 403
    assert _profile(trainee).sia_stage_key == INPATIENT


@pytest.mark.parametrize("key", [PAIN, INPATIENT])
def test_stage_page_for_each_sia(client, login, key):
    trainee = make.TraineeFactory(profile__sia_stage_key=key)
    login(trainee)
    page = client.get("/advanced/").get_data(as_text=True)
    own, other = ("SIA_PM_A", "SIA_AIP_01") if key == PAIN else ("SIA_AIP_01", "SIA_PM_A")
    assert own in page and other not in page
    assert client.get(f"/advanced/competency/{own}").status_code == 200
    # Evidence may claim the other SIA's competency, so its page still answers (under its own stage).
    competency = client.get(f"/advanced/competency/{other}").get_data(as_text=True)
    assert (INPATIENT_NAME if key == PAIN else PAIN_NAME) in competency


@pytest.mark.parametrize("bad", ["", "stage-3", "sia-nonsense", "x" * 500])
def test_a_forged_or_missing_choice_is_refused_with_a_message(client, login, bad):
    trainee = make.TraineeFactory()
    login(trainee)
    response = _choose(client, trainee.id, bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and ("Choose the SIA you follow" in page or "Not a valid choice" in page)
    assert _profile(trainee).sia_stage_key is None
    assert db.session.scalars(select(AuditRecord).where(AuditRecord.action == "profile.sia_chosen")).first() is None


def test_another_trainees_profile_is_refused(client, login):
    trainee, other = make.TraineeFactory(), make.TraineeFactory()
    login(trainee)
    assert _choose(client, other.id, INPATIENT).status_code == 403
    assert _choose(client, 999999, INPATIENT).status_code == 404
    assert _profile(other).sia_stage_key is None


def test_director_in_scope_sets_and_changes_it_supervisor_and_other_director_cannot(client, login):
    region, elsewhere = make.RegionFactory(name="London"), make.RegionFactory(name="Wessex")
    trainee = make.TraineeFactory(profile__region=region, profile__sia_stage_key=PAIN)
    director, outsider, supervisor = make.DirectorFactory(), make.DirectorFactory(), make.SupervisorFactory()
    direct(director, region=region)
    direct(outsider, region=elsewhere)
    assign(supervisor, trainee)
    for refused in (supervisor, outsider):
        login(refused)
        assert _choose(client, trainee.id, INPATIENT).status_code == 403
        client.post("/logout")
    assert _profile(trainee).sia_stage_key == PAIN
    login(director)
    page = client.get(f"/advanced/?trainee={trainee.id}").get_data(as_text=True)
    assert 'name="stage_key"' in page  # the director may change it
    response = _choose(client, trainee.id, INPATIENT)
    assert response.status_code == 302 and f"trainee={trainee.id}" in response.headers["Location"]
    assert _profile(trainee).sia_stage_key == INPATIENT
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "profile.sia_chosen")).one()
    assert record.actor_id == director.id and PAIN in record.payload


def test_a_2010_trainee_has_no_sia_to_choose(client, login):
    trainee = make.TraineeFactory(profile__curriculum_version="2010")
    login(make.AdminFactory())
    assert _choose(client, trainee.id, INPATIENT).status_code == 404
    login(trainee)
    assert 'name="stage_key"' not in client.get("/advanced/").get_data(as_text=True)


def test_cohort_dashboard_shows_the_chosen_sia_and_its_trajectory(client, login):
    region = make.RegionFactory(name="London")
    started = clock.today() - timedelta(weeks=7)  # 27% of Acute Inpatient Pain's 26 weeks, 13% of Pain Medicine's 52
    common = dict(profile__region=region, profile__current_stage="advanced", profile__stage_started_on=started)
    inpatient = make.TraineeFactory(name="Dr Inpatient Choice", profile__sia_stage_key=INPATIENT, **common)
    pain = make.TraineeFactory(name="Dr Pain Choice", profile__sia_stage_key=PAIN, **common)
    for trainee in (inpatient, pain):
        make.EvidenceFactory(trainee=trainee, evidence_type="logbook.mdt", codes=("SIA_AIP_05", "SIA_PM_D"))
    director = make.DirectorFactory()
    direct(director, region=region)
    login(director)
    page = client.get("/cohort").get_data(as_text=True)
    assert INPATIENT_NAME in page and PAIN_NAME in page
    behind = client.get("/cohort?flag=behind").get_data(as_text=True)
    assert "Dr Inpatient Choice" in behind and "Dr Pain Choice" not in behind
