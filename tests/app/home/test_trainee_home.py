"""The trainee's home answers "what is next": the current stage led by competencies complete (the same pairing on the
stage page and the dashboard), what waits on others, what came back, the next exam sitting they need and their next
ARCP cut-off, each count a link to its list; useful empty states; nobody else's items; and a number of statements
that does not grow with the trainee's evidence."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from competencies import stage_progress
from tests.factories import (
    CaseDiscussionFactory,
    DirectorFactory,
    EvidenceFactory,
    ExamAttemptFactory,
    ExamSittingFactory,
    SignOffRequestFactory,
    SupervisorFactory,
    TraineeFactory,
    assign,
)
from tests.support import clock
from tests.support.statements import home_statements
from trainee_portal import curricula
from trainee_portal.extensions import db
from trainee_portal.models import ArcpPanel, ArcpPanelTrainee, HaloRequest, MsfRater, MsfResponse, MsfRound
from trainee_portal.summaries import progress


@pytest.fixture(autouse=True)
def _noon_today(clock):
    """The clock stopped at noon today: a request sent two days and an hour before then was sent two UK calendar days
    before, at whatever hour the suite runs (at 00:30 it was three; tests/app/signoff/test_uk_calendar_days.py reads
    the homes at such an hour on purpose)."""
    clock.set(clock.today())


def _text(page: str) -> str:
    """The page's main content as a reader sees it: tags dropped, entities decoded, white space collapsed."""
    main = page[page.index("<main") : page.index("</main>")]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main))).replace(" ,", ",").replace(" :", ":")


def _home(client) -> tuple[str, str]:
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page, _text(page)


def _stage_key(level: str) -> str:
    return curricula.curriculum("2021").stage_for_level(level).key


def _pending(trainee, days: int, supervisor=None, assessor: str | None = None, title: str = "Pain clinic"):
    entry = EvidenceFactory(trainee=trainee, status="submitted", title=title)
    return SignOffRequestFactory(
        evidence=entry, supervisor=supervisor, assessor_email=assessor, created_at=clock.ago(days=days, hours=1)
    )


def _returned(trainee, supervisor, title: str, reason: str, days: int = 2):
    entry = EvidenceFactory(trainee=trainee, status="returned", title=title)
    SignOffRequestFactory(
        evidence=entry,
        supervisor=supervisor,
        status="returned",
        return_reason=reason,
        decided_at=clock.ago(days=days),
        decided_by_id=supervisor.id,
        created_at=clock.ago(days=days + 3),
    )
    return entry


def _msf_round(trainee, title: str, nominated: int, answered: int) -> MsfRound:
    msf_round = MsfRound(trainee_id=trainee.id, title=title, curriculum_version="2021", status="collecting")
    db.session.add(msf_round)
    db.session.flush()
    for n in range(nominated):
        db.session.add(
            MsfRater(round_id=msf_round.id, name=f"Rater {n}", email=f"rater{n}@example.org", staff_group="consultant")
        )
    for _ in range(answered):
        db.session.add(MsfResponse(round_id=msf_round.id, staff_group="consultant", answers="{}"))
    db.session.commit()
    return msf_round


def _halo(trainee, level: str, status: str = "requested", **kwargs) -> HaloRequest:
    request = HaloRequest(trainee_id=trainee.id, curriculum_version="2021", stage_key=_stage_key(level), status=status, **kwargs)
    db.session.add(request)
    db.session.commit()
    return request


def _panel(trainee, title: str, days_ahead: int, cutoff_in: int, readiness: str = "amber", cancelled: bool = False):
    director = DirectorFactory()
    panel = ArcpPanel(
        region_id=trainee.trainee_profile.region_id,
        panel_date=clock.today() + timedelta(days=days_ahead),
        training_year="ST6",
        cutoff_working_days=10,
        cutoff_date=clock.today() + timedelta(days=cutoff_in),
        title=title,
        created_by_id=director.id,
        cancelled_at=clock.now() if cancelled else None,
    )
    db.session.add(panel)
    db.session.flush()
    db.session.add(ArcpPanelTrainee(panel_id=panel.id, trainee_id=trainee.id, readiness=readiness))
    db.session.commit()
    return panel


# --- the current stage ---------------------------------------------------------------------------------------------


def test_the_current_stage_leads_with_competencies_complete_on_home_stage_page_and_dashboard(client, login):
    trainee = TraineeFactory()
    CaseDiscussionFactory(trainee=trainee, codes=("S3_PM_02",))  # completes one competency
    for _ in range(3):  # three of the six clinics another asks for: evidence in place, no competency complete
        EvidenceFactory(trainee=trainee, status="signed", codes=("S3_PM_01",))
    profile = trainee.trainee_profile
    curriculum = curricula.curriculum("2021")
    stage = curriculum.stage_for_level("higher")
    result = stage_progress(curriculum, stage.key, progress.trainee_counts(trainee.id), curricula.trainee_rules(profile))
    assert result.satisfied_units > 0 and result.competency_percent != result.percent  # the two measures differ here
    login(trainee)
    headline = f"{result.complete} of {result.total} competencies complete"
    evidence = f"Evidence: {result.satisfied_units} of {result.required_units} required items in place"
    for path in ("/", "/higher/", "/dashboard"):
        page = client.get(path).get_data(as_text=True)
        text = _text(page)
        assert headline in text and evidence in text, path
        bar = re.search(r'<progress class="app-progress__bar" max="100" value="([\d.]+)" aria-label="([^"]+)"', page)
        assert float(bar.group(1)) == result.competency_percent, path  # the bar is the headline, not the evidence
        assert bar.group(2) == f"{stage.name}: competencies complete", path
    text = _home(client)[1]
    assert f"Your current stage: {stage.name}" in text
    others = [curriculum.stage_for_level(level).name for level in ("basic", "intermediate")]
    assert all(name in text.split("Your other stages", 1)[1] for name in others)
    assert "SIA (not chosen yet)" in text  # the advanced slot offers two SIAs and none is chosen


def test_record_evidence_and_the_quick_log_are_one_tap_from_home(client, login):
    login(TraineeFactory())
    page = _home(client)[0]
    assert 'href="/logbook/new">Record evidence</a>' in page
    for kind in ("logbook.clinic", "logbook.procedure", "logbook.ward_round", "reflection"):
        assert f'href="/logbook/new?kind={kind}"' in page


# --- waiting on others ---------------------------------------------------------------------------------------------


def test_sign_offs_waiting_are_counted_by_whom_they_wait_on_with_the_oldest_wait(client, login):
    trainee, supervisor = TraineeFactory(), SupervisorFactory(name="Dr Maya Patel")
    assign(supervisor, trainee)
    _pending(trainee, 20, supervisor)
    _pending(trainee, 3, supervisor)
    _pending(trainee, 1, assessor="visiting.consultant@nhs.example")
    login(trainee)
    page, text = _home(client)
    assert '<a href="/logbook/?status=submitted">3 items awaiting sign-off</a>' in page
    assert "2 with Dr Maya Patel, the oldest sent 20 days ago Sign-off waiting over 14 days" in text
    assert "1 with visiting.consultant@nhs.example (outside assessor), sent yesterday" in text
    assert text.count("Sign-off waiting over") == 1
    assert "A sign-off is flagged once it has waited over 14 days: the programme's own suggestion (no published source)." in text
    assert 'href="/signoff/mine"' in page
    listed = client.get("/logbook/?status=submitted").get_data(as_text=True)
    assert listed.count("Pain clinic") >= 3  # the link leads to exactly the items counted


def test_a_single_recent_sign_off_reads_in_the_singular_without_a_warning(client, login):
    trainee, supervisor = TraineeFactory(), SupervisorFactory(name="Dr Maya Patel")
    _pending(trainee, 2, supervisor)
    login(trainee)
    text = _home(client)[1]
    assert "1 item awaiting sign-off" in text and "1 with Dr Maya Patel, sent 2 days ago" in text
    assert "the oldest" not in text and "Sign-off waiting over" not in text


def test_a_halo_request_and_an_msf_round_in_progress_wait_on_others_with_links(client, login):
    trainee = TraineeFactory()
    request = _halo(trainee, "basic", created_at=clock.ago(days=4))
    msf_round = _msf_round(trainee, "Inpatient pain service 2026", nominated=12, answered=10)
    _halo(trainee, "intermediate", status="signed")  # decided: not waiting
    login(trainee)
    page, text = _home(client)
    stage1 = curricula.curriculum("2021").stage_for_level("basic").name
    assert f'<a href="/halo/{request.id}">{stage1} HALO</a>' in page
    assert "waiting for the Faculty Tutor (Pain) or RAPM" in text
    assert f'<a href="/msf/{msf_round.id}">MSF round: Inpatient pain service 2026</a>' in page
    assert "10 of 12 raters answered" in text
    assert text.count(" HALO:") == 1


# --- returned to them ----------------------------------------------------------------------------------------------


def test_returned_items_show_who_returned_them_and_why_one_tap_from_the_entry(client, login):
    trainee, supervisor = TraineeFactory(), SupervisorFactory(name="Dr Maya Patel")
    entry = _returned(trainee, supervisor, "Epidural review", "Please add the outcome at follow-up.")
    halo_back = _halo(
        trainee,
        "basic",
        status="returned",
        decided_at=clock.ago(days=1),
        decided_by_id=supervisor.id,
        decision_comment="Add the signed ward round DOPS.",
    )
    login(trainee)
    page, text = _home(client)
    assert '<a href="/logbook/?status=returned">1 item returned</a>' in page
    assert f'<a href="/logbook/{entry.id}">Epidural review</a>' in page
    assert "Returned by Dr Maya Patel on" in text and "“Please add the outcome at follow-up.”" in text
    assert f'href="/halo/{halo_back.id}"' in page and "Add the signed ward round DOPS." in text
    # Asked again since: the returned HALO no longer shows as returned.
    _halo(trainee, "basic", status="requested")
    text = _home(client)[1]
    assert "Add the signed ward round DOPS." not in text and "1 item returned" in text


# --- coming up -----------------------------------------------------------------------------------------------------


def test_the_next_exam_is_the_mcq_until_it_is_passed_with_its_application_deadline(client, login):
    trainee = TraineeFactory()
    sitting = ExamSittingFactory(part="MCQ", days_from_today=60, window=(-5, 20))
    ExamSittingFactory(part="MCQ", days_from_today=-30)  # past: its window closed
    login(trainee)
    text = _home(client)[1]
    assert f"FFPMRCA MCQ on {sitting.sits_on:%A %-d %B %Y}" in text
    assert f"Applications close at 5pm on {sitting.closes_on:%-d %B %Y}." in text
    assert 'href="/exams/"' in _home(client)[0]


def test_after_an_mcq_pass_the_next_exam_is_the_soe_saying_what_blocks_it(client, login):
    trainee = TraineeFactory()
    ExamAttemptFactory(trainee=trainee, result="pass")
    ExamSittingFactory(part="MCQ", days_from_today=60, window=(-5, 20))  # the MCQ pass is still valid: not needed
    soe = ExamSittingFactory(part="SOE", days_from_today=90, window=(10, 40))
    login(trainee)
    text = _home(client)[1]
    assert f"FFPMRCA SOE on {soe.sits_on:%A %-d %B %Y}" in text and "FFPMRCA MCQ on" not in text
    assert f"Applications open at 9am on {soe.opens_on:%-d %B %Y} and close at 5pm on {soe.closes_on:%-d %B %Y}." in text
    assert (
        "Not open to you yet. Still needed: The Regional Advisor (RAPM) confirms the Stage 3 pain domain is complete."
        " No confirmation recorded yet" in text
    )


def test_the_next_arcp_panels_show_their_cut_off_and_readiness_and_nothing_is_invented(client, login):
    trainee = TraineeFactory()
    _panel(trainee, "North ARCP panel (ST6)", days_ahead=30, cutoff_in=16, readiness="amber")
    _panel(trainee, "Cancelled panel", days_ahead=20, cutoff_in=6, cancelled=True)
    _panel(trainee, "Last year's panel", days_ahead=-200, cutoff_in=-214)
    login(trainee)
    page, text = _home(client)
    cutoff = clock.today() + timedelta(days=16)
    assert f"North ARCP panel (ST6) on {clock.today() + timedelta(days=30):%A %-d %B %Y}" in text
    assert f"Evidence cut-off {cutoff:%-d %B %Y}, in 16 days" in text and "Amber: nearly ready" in text
    assert "Cancelled panel" not in text and "Last year" not in text
    assert 'href="/arcp"' in page


def test_a_new_trainee_sees_what_to_do_and_empty_states_that_say_what_will_show(client, login):
    trainee = TraineeFactory()
    login(trainee)
    text = _home(client)[1]
    stage = curricula.curriculum("2021").stage_for_level("higher")
    assert f"0 of {len(stage.competencies)} competencies complete" in text
    assert "Nothing is waiting on anyone else." in text
    assert "Nothing has been returned to you." in text
    assert "No sitting of an FFPMRCA part you still need is open for applications or scheduled yet." in text
    assert "No ARCP panel has been scheduled for you yet." in text
    assert "awaiting sign-off" not in text and "returned:" not in text


def test_another_trainees_items_never_show(client, login):
    trainee, other, supervisor = TraineeFactory(), TraineeFactory(), SupervisorFactory()
    _pending(trainee, 2, supervisor, title="My own clinic")
    _pending(other, 30, supervisor, title="Their clinic")
    _returned(other, supervisor, "Their returned CBD", "Their private reason.")
    _halo(other, "basic")
    _msf_round(other, "Their MSF round", nominated=5, answered=1)
    _panel(other, "Their ARCP panel", days_ahead=30, cutoff_in=16)
    login(trainee)
    text = _home(client)[1]
    assert "1 item awaiting sign-off" in text and "sent 2 days ago" in text
    for theirs in ("Their", "30 days ago", "HALO", "MSF round", "Sign-off waiting over"):
        assert theirs not in text, theirs
    assert "Nothing has been returned to you." in text


# --- cost ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("more", [40])
def test_the_number_of_statements_does_not_grow_with_the_evidence(client, login, more):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    _pending(trainee, 20, supervisor)
    _returned(trainee, supervisor, "Returned one", "Reason.")
    _halo(trainee, "basic")
    _msf_round(trainee, "Round", nominated=3, answered=1)
    _panel(trainee, "Panel", days_ahead=30, cutoff_in=16)
    ExamSittingFactory(part="MCQ", days_from_today=60, window=(-5, 20))
    login(trainee)
    before = home_statements(client)
    for n in range(more):
        kind = n % 3
        if kind == 0:
            _pending(trainee, n, SupervisorFactory() if n % 2 else supervisor, title=f"Clinic {n}")
        elif kind == 1:
            _returned(trainee, supervisor, f"Returned {n}", f"Reason {n}.")
        else:
            CaseDiscussionFactory(trainee=trainee)
    after = home_statements(client)
    assert after == before, f"{before} statements with a few items, {after} with {more} more"
    text = _home(client)[1]
    assert f"{1 + sum(1 for n in range(more) if n % 3 == 1)} items returned" in text
