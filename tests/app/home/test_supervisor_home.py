"""The supervisor's home: what waits for them, what is coming, who is returned or flagged, and their trainees with
stage names from each trainee's own curriculum; another supervisor's trainees never counted."""

from __future__ import annotations

import re
from datetime import timedelta

from competencies import attention
from tests import factories as make
from tests.factories import assign
from tests.support import clock
from tests.support.statements import home_statements
from trainee_portal.extensions import db
from trainee_portal.models import ArcpPanel, ArcpPanelTrainee, HaloRequest, TraineeProfile


def _text(response) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", response.data.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" ,", ",").replace(" :", ":")


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return _text(response)


def test_sign_offs_waiting_counted_with_the_oldest_wait_and_linked_to_the_queue(client, login):
    supervisor = make.SupervisorFactory()
    trainee = make.TraineeFactory()
    assign(supervisor, trainee)
    make.SignOffRequestFactory(trainee=trainee, supervisor=supervisor, created_at=clock.ago(days=6))
    make.SignOffRequestFactory(trainee=trainee, supervisor=supervisor, created_at=clock.ago(days=2))
    make.SignOffRequestFactory(trainee=trainee, supervisor=supervisor, status="signed", created_at=clock.ago(days=30))
    login(supervisor)
    response = client.get("/")
    text = _text(response)
    assert "2 sign-offs waiting, oldest waiting 6 days" in text
    assert 'href="/signoff/"' in response.data.decode()
    assert "Over 14 days" not in text  # nothing alarming within the overdue threshold


def test_one_sign_off_reads_singular_and_an_overdue_wait_is_marked(client, login):
    supervisor = make.SupervisorFactory()
    trainee = make.TraineeFactory()
    assign(supervisor, trainee)
    make.SignOffRequestFactory(trainee=trainee, supervisor=supervisor, created_at=clock.ago(days=20))
    login(supervisor)
    text = _home(client)
    assert "1 sign-off waiting, waiting 20 days" in text and "Over 14 days" in text


def test_another_supervisors_trainees_are_never_counted(client, login):
    mine, theirs = make.SupervisorFactory(), make.SupervisorFactory()
    my_trainee, their_trainee = make.TraineeFactory(name="Dr Mine"), make.TraineeFactory(name="Dr Theirs")
    assign(mine, my_trainee)
    assign(theirs, their_trainee)
    make.SignOffRequestFactory(trainee=their_trainee, supervisor=theirs, created_at=clock.ago(days=9))
    make.EvidenceFactory(trainee=their_trainee, status="returned")
    # A request addressed to me by a trainee I no longer supervise is not in my queue either.
    former = make.TraineeFactory(name="Dr Former")
    assign(mine, former, starts_on=clock.days_ago(100), ends_on=clock.days_ago(10))
    make.SignOffRequestFactory(trainee=former, supervisor=mine, created_at=clock.ago(days=12))
    login(mine)
    text = _home(client)
    assert "No sign-offs waiting for you" in text
    assert "Dr Theirs" not in text and "Dr Former" not in text and "Dr Mine" in text


def test_returned_entries_and_flags_name_the_trainee_with_links(client, login):
    supervisor = make.SupervisorFactory()
    returned = make.TraineeFactory(name="Dr Returned")
    idle = make.TraineeFactory(name="Dr Idle")
    idle.trainee_profile.stage_started_on = clock.days_ago(200)
    db.session.commit()
    assign(supervisor, returned)
    assign(supervisor, idle)
    make.EvidenceFactory(trainee=returned, status="returned", title="Returned clinic A")
    make.EvidenceFactory(trainee=returned, status="returned", title="Returned clinic B")
    make.EvidenceFactory(trainee=returned, status="draft", title="Draft clinic")
    login(supervisor)
    response = client.get("/")
    text, html = _text(response), response.data.decode()
    assert "Dr Returned: 2 entries returned, not yet sent again" in text
    assert f"/logbook/?trainee={returned.id}&amp;status=returned" in html
    listed = client.get(f"/logbook/?trainee={returned.id}&status=returned")
    listed_text = _text(listed)
    assert listed.status_code == 200 and "Returned clinic A" in listed_text and "Returned clinic B" in listed_text
    assert "Draft clinic" not in listed_text
    assert re.search(r"Dr Idle: [^:]*No activity for 60 days", text.split("Returned or stuck")[1].split("Your trainees")[0])


def test_nothing_returned_or_flagged_says_so(client, login):
    supervisor = make.SupervisorFactory()
    trainee = make.TraineeFactory(name="Dr Busy")
    trainee.trainee_profile.stage_started_on = clock.days_ago(5)
    db.session.commit()
    assign(supervisor, trainee)
    make.EvidenceFactory(trainee=trainee, status="draft")
    login(supervisor)
    text = _home(client)
    assert "Nobody has entries returned" in text


def test_stage_names_come_from_each_trainees_curriculum_and_progress_counts_competencies(client, login):
    supervisor = make.SupervisorFactory()
    new = make.TraineeFactory(name="Dr New", profile__current_stage="intermediate")
    old = make.TraineeFactory(name="Dr Old", profile__curriculum_version="2010", profile__current_stage="intermediate")
    assign(supervisor, new)
    assign(supervisor, old)
    from trainee_portal.summaries import progress

    progress.recompute_all()
    db.session.commit()
    login(supervisor)
    text = _home(client)
    assert re.search(r"Dr New Current stage Stage 2 \(intermediate pain training\) Competencies complete 0 of \d+", text), text
    assert re.search(r"Dr Old Current stage Intermediate Competencies complete 0 of \d+", text)
    assert "%" not in text.split("Your trainees")[1].split("Support links")[0]


def test_halo_requested_and_arcp_panel_within_the_window_are_coming(client, login):
    supervisor = make.SupervisorFactory()
    director = make.DirectorFactory()
    trainee = make.TraineeFactory(name="Dr Coming")
    far = make.TraineeFactory(name="Dr Far")
    assign(supervisor, trainee)
    assign(supervisor, far)
    db.session.add(HaloRequest(trainee_id=trainee.id, curriculum_version="2021", stage_key="stage3", status="requested"))
    today = clock.today()
    region_id = trainee.trainee_profile.region_id
    soon = ArcpPanel(
        region_id=region_id,
        panel_date=today + timedelta(days=20),
        training_year="ST6",
        cutoff_working_days=10,
        cutoff_date=today + timedelta(days=6),
        created_by_id=director.id,
    )
    later = ArcpPanel(
        region_id=far.trainee_profile.region_id,
        panel_date=attention.coming_until(today) + timedelta(days=1),
        training_year="ST6",
        cutoff_working_days=10,
        cutoff_date=today + timedelta(days=30),
        created_by_id=director.id,
    )
    db.session.add_all([soon, later])
    db.session.flush()
    db.session.add(ArcpPanelTrainee(panel_id=soon.id, trainee_id=trainee.id, readiness="amber"))
    db.session.add(ArcpPanelTrainee(panel_id=later.id, trainee_id=far.id, readiness="red"))
    db.session.commit()
    login(supervisor)
    text = _home(client)
    coming = text.split("Coming up")[1].split("Returned or stuck")[0]
    assert "Dr Coming: HALO for" in coming
    assert "ARCP panel" in coming and "Dr Coming Amber: nearly ready" in coming
    assert "Dr Far" not in coming  # beyond the window
    assert "within 42 days: the programme's own suggestion" in coming.replace("&#39;", "'")


def test_halo_reviewer_sees_their_queue_count(client, login):
    from trainee_portal.models import RoleScope

    tutor = make.UserFactory(roles=("supervisor", "faculty_tutor"))
    trainee = make.TraineeFactory()
    db.session.add(RoleScope(user_id=tutor.id, role="faculty_tutor", region_id=trainee.trainee_profile.region_id))
    db.session.add(
        HaloRequest(
            trainee_id=trainee.id, curriculum_version="2021", stage_key="stage1", status="requested", created_at=clock.ago(days=3)
        )
    )
    elsewhere = make.TraineeFactory()  # another region's trainee: not this tutor's to review
    db.session.add(HaloRequest(trainee_id=elsewhere.id, curriculum_version="2021", stage_key="stage1", status="requested"))
    db.session.commit()
    login(tutor)
    response = client.get("/")
    assert "1 HALO request to review, waiting 3 days" in _text(response)
    assert 'href="/halo/"' in response.data.decode()


def test_plain_supervisor_sees_no_halo_line(client, login):
    supervisor = make.SupervisorFactory()
    login(supervisor)
    assert "HALO request" not in _home(client).split("Coming up")[0]


def test_non_supervisors_never_see_the_section(client, login):
    trainee = make.TraineeFactory()
    login(trainee)
    assert "Waiting for you" not in _home(client)


def _trainee_with_everything(supervisor, n):
    trainee = make.TraineeFactory(name=f"Dr Many {n}")
    assign(supervisor, trainee)
    make.SignOffRequestFactory(trainee=trainee, supervisor=supervisor, created_at=clock.ago(days=n + 1))
    make.EvidenceFactory(trainee=trainee, status="returned")
    db.session.add(HaloRequest(trainee_id=trainee.id, curriculum_version="2021", stage_key="stage3", status="requested"))
    db.session.commit()


def test_statement_count_does_not_grow_with_the_number_of_trainees(client, login):
    supervisor = make.SupervisorFactory()
    _trainee_with_everything(supervisor, 1)
    login(supervisor)
    client.get("/")  # warm caches (curriculum registry)
    small = home_statements(client)
    for n in range(2, 12):
        _trainee_with_everything(supervisor, n)
    client.get("/")  # the same warm start: rows the commits above expired are loaded again
    assert home_statements(client) == small
    assert db.session.query(TraineeProfile).count() == 11


def test_the_overdue_mark_follows_the_cohort_waiting_flag_to_the_hour(client, login):
    supervisor = make.SupervisorFactory()
    trainee = make.TraineeFactory()
    assign(supervisor, trainee)
    make.SignOffRequestFactory(trainee=trainee, supervisor=supervisor, created_at=clock.ago(days=14, hours=1))
    login(supervisor)
    text = _home(client)
    assert "Over 14 days" in text
    flagged = text.split("Returned or stuck")[1].split("Your trainees")[0]
    assert "Sign-off waiting over 14 days" in flagged  # the same rule, from competencies.flags
