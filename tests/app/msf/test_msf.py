"""MSF rounds end to end: the trainee nominates raters, each answers once through a one-time link, the educational
supervisor reads the collated result and releases it as a signed MSF; and the attacks on each step."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from competencies.loader import CURRICULA_DIRECTORY, load_curriculum_file
from tests.conftest import TEST_PASSWORD, make_test_config
from tests.factories import DirectorFactory, RegionFactory, SupervisorFactory, TraineeFactory, assign, direct
from tests.support.clients import Browser
from trainee_portal import create_app
from trainee_portal.extensions import db, limiter
from trainee_portal.integrity import verify_all
from trainee_portal.models import (
    AuditRecord,
    EvidenceEntry,
    MsfRater,
    MsfResponse,
    MsfRound,
    OutboxMessage,
    SignOff,
    TraineeProgress,
)
from trainee_portal.notifications.sender import send_due
from trainee_portal.summaries import progress

RULES = load_curriculum_file(CURRICULA_DIRECTORY / "pain-2021.toml").msf
# Twelve raters over four staff groups: three consultants, three theatre staff, three nurses, three physiotherapists.
GROUPS = ["consultant"] * 3 + ["theatre"] * 3 + ["nurse"] * 3 + ["ahp"] * 3
GOOD = "Calm and clear with the team"


class World:
    def __init__(self, stage="basic"):
        region = RegionFactory(name="London")
        self.trainee = TraineeFactory(
            name="Dr Tara Trainee", email="tara.trainee@nhs.example", profile__region=region, profile__current_stage=stage
        )
        self.other = TraineeFactory(name="Dr Otto Other", profile__region=region)
        self.supervisor = SupervisorFactory(name="Dr Erin Educational")
        assign(self.supervisor, self.trainee)
        self.clinical = SupervisorFactory(name="Dr Clive Clinical")
        assign(self.clinical, self.trainee, kind="clinical")
        self.others_supervisor = SupervisorFactory(name="Dr Olive Others")
        assign(self.others_supervisor, self.other)
        self.director = DirectorFactory()
        direct(self.director, region=region)
        progress.refresh_trainee(self.trainee.id)
        db.session.commit()


def _as(app, user):
    browser = Browser(app)
    assert browser.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 302
    return browser


def _round(round_id=None) -> MsfRound:
    db.session.expire_all()
    if round_id is None:
        return db.session.scalar(select(MsfRound).order_by(MsfRound.id.desc()))
    return db.session.get(MsfRound, round_id)


def _start(app, world, title="St Elsewhere, August to December") -> tuple[Browser, MsfRound]:
    trainee = _as(app, world.trainee)
    response = trainee.post("/msf/new", data={"title": title})
    assert response.status_code == 302
    return trainee, _round()


def _nominate(trainee, msf_round, groups=GROUPS, prefix="rater"):
    for index, group in enumerate(groups):
        response = trainee.post(
            f"/msf/{msf_round.id}/raters",
            data={"name": f"Colleague {prefix} {index}", "email": f"{prefix}{index}@nhs.example", "staff_group": group},
        )
        assert response.status_code == 302, response.get_data(as_text=True)


def _links(smtp) -> dict[str, str]:
    """Send the outbox; each rater's address -> the token in their email."""
    send_due()
    links = {}
    for mail in smtp.messages:
        found = re.search(r"http://\S+/msf/rate/(\S+)", mail.get_payload(decode=True).decode())
        if found:
            links[mail["To"]] = found.group(1)
    return links


def _answers(rating="meets", well=GOOD, improve="", **overrides):
    data = {f"q_{q.key}": rating for q in RULES.questions}
    data.update(c_well=well, c_improve=improve)
    data.update(overrides)
    return data


def _collect(app, world, smtp, answering=10):
    trainee, msf_round = _start(app, world)
    _nominate(trainee, msf_round)
    links = _links(smtp)
    rater = Browser(app)
    for index in range(answering):
        token = links[f"rater{index}@nhs.example"]
        well = f"{GOOD} ({index})" if index % 2 else ""
        assert rater.post(f"/msf/rate/{token}", data=_answers(well=well)).status_code == 302
    return trainee, msf_round, links


def test_round_runs_from_nomination_to_release_and_counts_as_a_signed_msf(app, smtp):
    world = World()
    trainee, msf_round = _start(app, world)
    _nominate(trainee, msf_round)
    stored = db.session.scalars(select(MsfRater).where(MsfRater.round_id == msf_round.id)).all()
    assert len(stored) == 12 and all(r.token_hash is None for r in stored)  # minted only when the email goes
    links = _links(smtp)
    assert len(links) == 12
    for email, token in links.items():
        rater = db.session.scalar(select(MsfRater).where(MsfRater.email == email))
        assert rater.token_hash == hashlib.sha256(token.encode()).hexdigest() and rater.expires_at is not None
    for text in db.session.scalars(select(OutboxMessage.body)).all() + db.session.scalars(select(AuditRecord.payload)).all():
        assert not any(token in text for token in links.values())
    rater = Browser(app)
    page = rater.get(f"/msf/rate/{links['rater0@nhs.example']}")
    assert page.status_code == 200 and "Unable to comment" in page.get_data(as_text=True)
    for index in range(10):
        well = f"{GOOD} ({index})"
        assert rater.post(f"/msf/rate/{links[f'rater{index}@nhs.example']}", data=_answers(well=well)).status_code == 302
    before = trainee.get(f"/msf/{msf_round.id}").get_data(as_text=True)
    assert "Ready to release" in before and GOOD not in before and "Collated feedback" not in before
    supervisor = _as(app, world.supervisor)
    assert "Ready to release" in supervisor.get("/msf/").get_data(as_text=True)
    seen = supervisor.get(f"/msf/{msf_round.id}").get_data(as_text=True)
    assert "Collated feedback" in seen and f"{GOOD} (3)" in seen and "Colleague rater 3" in seen  # nominated, not linked
    assert "responded" not in seen.split('id="raters"', 1)[1].split("Collated feedback", 1)[0].lower()
    assert "so nobody can be picked out. The programme's own suggestion (no published source)." in seen.replace("&#39;", "'")
    response = supervisor.post(f"/msf/{msf_round.id}/decide", data={"decision": "release", "comment": "Well done."})
    assert response.status_code == 302
    msf_round = _round(msf_round.id)
    entry = db.session.get(EvidenceEntry, msf_round.evidence_id)
    assert msf_round.status == "released" and entry.evidence_type == "wba.msf" and entry.status == "signed"
    assert entry.trainee_id == world.trainee.id and entry.competency_codes == ("S1_PM_07",)  # the stage's MSF competency
    signoff = db.session.scalar(select(SignOff).where(SignOff.evidence_id == entry.id))
    assert signoff.signer_id == world.supervisor.id and signoff.content_hash == entry.compute_content_hash()
    assert signoff.feedback == "Well done."
    stage = db.session.get(TraineeProgress, (world.trainee.id, "stage-1"), populate_existing=True)
    assert stage.competencies_complete + stage.competencies_in_progress >= 1  # the progress read model counts it
    after = trainee.get(f"/msf/{msf_round.id}").get_data(as_text=True)
    assert "Collated feedback" in after and f"{GOOD} (7)" in after and "Well done." in after
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.category == "msf.released")) == 1
    actions = db.session.scalars(select(AuditRecord.action).where(AuditRecord.action.like("msf.%"))).all()
    assert actions.count("msf.rater_nominated") == 12 and actions.count("msf.rater_responded") == 10
    assert actions[-1] == "msf.released"
    report = verify_all()
    assert not report.problems, report.problems


def test_a_round_released_in_a_stage_with_no_msf_competency_is_a_signed_msf_linked_to_none(app, smtp):
    world = World(stage="intermediate")  # on the 2021 curriculum only Stage 1 names a competency that asks for an MSF
    _trainee, msf_round, _links_sent = _collect(app, world, smtp)
    supervisor = _as(app, world.supervisor)
    response = supervisor.post(f"/msf/{msf_round.id}/decide", data={"decision": "release", "comment": "Well done."})
    assert response.status_code == 302
    msf_round = _round(msf_round.id)
    entry = db.session.get(EvidenceEntry, msf_round.evidence_id)
    assert msf_round.status == "released" and entry.evidence_type == "wba.msf" and entry.status == "signed"
    assert entry.competency_codes == ()
    report = verify_all()
    assert not report.problems, report.problems


def test_released_msf_counts_for_arcp_readiness_as_wba_msf(app, smtp):
    world = World()
    _collect(app, world, smtp)
    supervisor = _as(app, world.supervisor)
    supervisor.post(f"/msf/{_round().id}/decide", data={"decision": "release", "comment": ""})
    entries = db.session.scalars(
        select(EvidenceEntry).where(EvidenceEntry.trainee_id == world.trainee.id, EvidenceEntry.evidence_type == "wba.msf")
    ).all()
    assert [e.status for e in entries] == ["signed"]
    assert "MSF" in _as(app, world.trainee).get(f"/logbook/{entries[0].id}").get_data(as_text=True)


def test_a_used_link_cannot_answer_again(app, smtp):
    world = World()
    _, msf_round, links = _collect(app, world, smtp, answering=1)
    token = links["rater0@nhs.example"]
    again = Browser(app).post(f"/msf/rate/{token}", data=_answers(rating="below"))
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    assert Browser(app).get(f"/msf/rate/{token}").status_code == 410
    assert db.session.scalar(select(func.count()).select_from(MsfResponse)) == 1


def test_forged_short_and_expired_links_are_refused(app, smtp):
    world = World()
    trainee, msf_round = _start(app, world)
    _nominate(trainee, msf_round, groups=["consultant"])
    token = _links(smtp)["rater0@nhs.example"]
    forged = Browser(app).post("/msf/rate/" + "A" * 43, data=_answers())
    assert forged.status_code == 404 and "not recognised" in forged.get_data(as_text=True)
    assert Browser(app).get("/msf/rate/short").status_code == 404
    assert Browser(app).get(f"/msf/rate/{token[:-1]}x").status_code == 404
    rater = db.session.scalar(select(MsfRater))
    rater.expires_at = rater.invited_at - timedelta(seconds=1)
    db.session.commit()
    expired = Browser(app).post(f"/msf/rate/{token}", data=_answers())
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MsfResponse)) == 0


def test_the_trainee_cannot_rate_themselves_by_address_or_signed_in(app, smtp):
    world = World()
    trainee, msf_round = _start(app, world)
    for email in ("tara.trainee@nhs.example", "Tara.Trainee+msf@NHS.example"):
        own = trainee.post(f"/msf/{msf_round.id}/raters", data={"name": "Me", "email": email, "staff_group": "consultant"})
        assert own.status_code == 400 and "your own email address" in own.get_data(as_text=True)
    _nominate(trainee, msf_round, groups=["consultant"])
    token = _links(smtp)["rater0@nhs.example"]
    assert trainee.get(f"/msf/rate/{token}").status_code == 403
    assert trainee.post(f"/msf/rate/{token}", data=_answers()).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(MsfResponse)) == 0
    assert db.session.scalar(select(MsfRater.responded_at)) is None


def test_a_rater_is_nominated_once_per_round(app):
    world = World()
    trainee, msf_round = _start(app, world)
    _nominate(trainee, msf_round, groups=["consultant"])
    again = trainee.post(
        f"/msf/{msf_round.id}/raters", data={"name": "Again", "email": "RATER0+x@nhs.example", "staff_group": "nurse"}
    )
    assert again.status_code == 400 and "already nominated" in again.get_data(as_text=True)
    bad_group = trainee.post(
        f"/msf/{msf_round.id}/raters", data={"name": "Someone", "email": "someone@nhs.example", "staff_group": "patient"}
    )
    assert bad_group.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(MsfRater)) == 1


def test_responses_keep_nothing_that_links_them_to_a_rater(app, smtp):
    world = World()
    _collect(app, world, smtp, answering=4)
    assert set(MsfResponse.__table__.columns.keys()) == {"id", "round_id", "staff_group", "answers"}
    keys = db.session.scalars(select(MsfResponse.id)).all()
    assert len(set(keys)) == 4 and all(re.fullmatch(r"[0-9a-f]{32}", key) for key in keys)
    for payload in db.session.scalars(select(AuditRecord.payload).where(AuditRecord.action == "msf.rater_responded")):
        assert GOOD not in payload and "meets" not in payload and "response" not in payload


def test_the_trainee_reads_only_counts_per_group_until_release(app, smtp):
    world = World()
    trainee, msf_round, _ = _collect(app, world, smtp, answering=10)
    page = trainee.get(f"/msf/{msf_round.id}").get_data(as_text=True)
    assert "Responses by staff group" in page and "Consultant" in page
    assert GOOD not in page and "Meets expectations" not in page
    for url in ("/msf/", f"/msf/{msf_round.id}", f"/msf/{msf_round.id}?show=responses"):
        assert GOOD not in trainee.get(url).get_data(as_text=True)
    # which raters answered is never shown: the raters' list has the same columns for all of them
    assert "responded" not in page.split('id="raters"', 1)[1].split("Nominate a rater", 1)[0].lower()


@pytest.mark.parametrize("who", ["others_supervisor", "clinical", "director", "trainee", "other"])
def test_only_the_trainees_educational_supervisor_releases(app, smtp, who):
    world = World()
    _, msf_round, _ = _collect(app, world, smtp)
    client = _as(app, getattr(world, who))
    response = client.post(f"/msf/{msf_round.id}/decide", data={"decision": "release", "comment": "x"})
    assert response.status_code == 403
    assert _round(msf_round.id).status == "collecting" and db.session.scalar(select(func.count()).select_from(SignOff)) == 0
    if who != "trainee":
        assert client.get(f"/msf/{msf_round.id}").status_code == 403


def test_release_below_the_minimum_is_refused(app, smtp):
    world = World()
    _, msf_round, _ = _collect(app, world, smtp, answering=RULES.responses.minimum - 1)
    response = _as(app, world.supervisor).post(f"/msf/{msf_round.id}/decide", data={"decision": "release", "comment": ""})
    assert response.status_code == 400 and "cannot be released yet" in response.get_data(as_text=True)
    assert _round(msf_round.id).status == "collecting" and _round(msf_round.id).evidence_id is None
    assert db.session.scalar(select(func.count()).select_from(EvidenceEntry)) == 0


def test_release_needs_enough_staff_groups(app, smtp):
    world = World()
    trainee, msf_round = _start(app, world)
    _nominate(trainee, msf_round, groups=["consultant"] * 6 + ["nurse"] * 6)
    links = _links(smtp)
    for token in links.values():
        assert Browser(app).post(f"/msf/rate/{token}", data=_answers()).status_code == 302
    response = _as(app, world.supervisor).post(f"/msf/{msf_round.id}/decide", data={"decision": "release", "comment": ""})
    assert response.status_code == 400 and "different staff groups" in response.get_data(as_text=True)


def test_a_closed_round_takes_no_answers_or_raters_and_does_not_count(app, smtp):
    world = World()
    trainee, msf_round = _start(app, world)
    _nominate(trainee, msf_round, groups=["consultant", "nurse"])
    token = _links(smtp)["rater0@nhs.example"]
    supervisor = _as(app, world.supervisor)
    closed = supervisor.post(f"/msf/{msf_round.id}/decide", data={"decision": "close", "comment": "Placement ended."})
    assert closed.status_code == 302 and _round(msf_round.id).status == "closed"
    refused = Browser(app).post(f"/msf/rate/{token}", data=_answers())
    assert refused.status_code == 410 and "round has ended" in refused.get_data(as_text=True)
    late = trainee.post(f"/msf/{msf_round.id}/raters", data={"name": "Late", "email": "late@nhs.example", "staff_group": "odp"})
    assert late.status_code == 403
    again = supervisor.post(f"/msf/{msf_round.id}/decide", data={"decision": "release", "comment": ""})
    assert again.status_code == 302 and _round(msf_round.id).status == "closed"
    assert db.session.scalar(select(func.count()).select_from(EvidenceEntry)) == 0
    assert db.session.scalar(select(func.count()).select_from(MsfResponse)) == 0


def test_an_invitation_still_queued_when_the_round_closes_is_never_sent(app, smtp):
    world = World()
    trainee, msf_round = _start(app, world)
    _nominate(trainee, msf_round, groups=["consultant"])
    _as(app, world.supervisor).post(f"/msf/{msf_round.id}/decide", data={"decision": "close", "comment": ""})
    send_due()
    assert not [m for m in smtp.messages if m["To"] == "rater0@nhs.example"]
    assert db.session.scalar(select(MsfRater.token_hash)) is None


def test_a_small_staff_group_is_not_shown_on_its_own(app, smtp):
    world = World()
    trainee, msf_round = _start(app, world)
    _nominate(trainee, msf_round, groups=["consultant"] * 5 + ["theatre"] * 5 + ["admin"] + ["nurse"])
    links = _links(smtp)
    for token in links.values():
        assert Browser(app).post(f"/msf/rate/{token}", data=_answers()).status_code == 302
    page = _as(app, world.supervisor).get(f"/msf/{msf_round.id}").get_data(as_text=True)
    # Shown alone, the two single answers would follow from the overall counts minus the groups shown: a group of
    # five joins them, so every figure shown covers at least three people.
    assert "All responses: 12 responses" in page and "Theatre staff: 5 responses" in page
    assert "Other staff groups together: 7 responses" in page
    assert "Consultant: 5 responses" not in page and "Administrative staff: 1" not in page


def test_a_rater_must_answer_each_question_and_say_something(app, smtp):
    world = World()
    trainee, msf_round = _start(app, world)
    _nominate(trainee, msf_round, groups=["consultant"])
    token = _links(smtp)["rater0@nhs.example"]
    rater = Browser(app)
    missing = rater.post(f"/msf/rate/{token}", data={"c_well": "Kind"})
    assert missing.status_code == 400 and "Kind" in missing.get_data(as_text=True)
    silent = rater.post(f"/msf/rate/{token}", data=_answers(rating="unable", well=""))
    assert silent.status_code == 400 and "cannot be used" in silent.get_data(as_text=True)
    identifier = rater.post(f"/msf/rate/{token}", data=_answers(well="Saw patient NHS number 943 476 5919 well"))
    assert identifier.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(MsfResponse)) == 0
    assert rater.post(f"/msf/rate/{token}", data=_answers(rating="unable", well="Kind to everyone")).status_code == 302


def test_release_is_recorded_once_even_if_sent_twice(app, smtp):
    world = World()
    _, msf_round, _ = _collect(app, world, smtp)
    supervisor = _as(app, world.supervisor)
    first = supervisor.post(f"/msf/{msf_round.id}/decide", data={"decision": "release", "comment": ""})
    second = supervisor.post(f"/msf/{msf_round.id}/decide", data={"decision": "release", "comment": ""})
    assert first.status_code == 302 and second.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(EvidenceEntry)) == 1


def _released(app, world, smtp) -> MsfRound:
    _, msf_round, _ = _collect(app, world, smtp)
    _as(app, world.supervisor).post(f"/msf/{msf_round.id}/decide", data={"decision": "release", "comment": ""})
    return _round(msf_round.id)


def _msf_problems():
    return [p for p in verify_all().problems if p.kind == "msf_round"]


def test_verify_audit_names_answers_rewritten_after_release(app, smtp):
    world = World()
    msf_round = _released(app, world, smtp)
    assert _msf_problems() == []
    response = db.session.scalar(select(MsfResponse).where(MsfResponse.round_id == msf_round.id).limit(1))
    response.answers = response.answers.replace('"meets"', '"below"')
    db.session.commit()
    assert ["differ from what audit record" in p.detail for p in _msf_problems()] == [True]


def test_verify_audit_names_a_response_slipped_in_by_sql(app, smtp):
    world = World()
    _, msf_round, _ = _collect(app, world, smtp, answering=2)
    db.session.add(MsfResponse(round_id=msf_round.id, staff_group="consultant", answers="{}"))
    db.session.commit()
    assert ["3 responses stored for 2 raters" in p.detail for p in _msf_problems()] == [True]


@pytest.fixture
def limiter_state():
    enabled = limiter.enabled
    yield
    limiter.reset()
    limiter.enabled = enabled


def test_guessing_rater_links_is_rate_limited(app, database_url, instance_dir, limiter_state):
    limited = create_app(make_test_config(database_url, instance_dir) | {"RATELIMIT_ENABLED": True}).test_client()
    statuses = [limited.get(f"/msf/rate/{'A' * 40}{n:03d}").status_code for n in range(31)]
    assert statuses[:30] == [404] * 30 and statuses[30] == 429


def test_a_new_link_replaces_an_expired_one_and_answered_raters_get_nothing(app, smtp):
    world = World()
    trainee, msf_round = _start(app, world)
    _nominate(trainee, msf_round, groups=["consultant", "nurse"])
    first = _links(smtp)
    assert Browser(app).post(f"/msf/rate/{first['rater1@nhs.example']}", data=_answers()).status_code == 302
    raters = {r.email: r for r in db.session.scalars(select(MsfRater))}
    raters["rater0@nhs.example"].expires_at = raters["rater0@nhs.example"].invited_at - timedelta(seconds=1)
    db.session.commit()
    assert Browser(app).get(f"/msf/rate/{first['rater0@nhs.example']}").status_code == 410
    flashes = []
    for email in ("rater0@nhs.example", "rater1@nhs.example"):
        response = trainee.post(f"/msf/{msf_round.id}/raters/{raters[email].id}/resend", follow_redirects=True)
        flashes.append(
            re.sub(r"Colleague rater \d", "X", re.search(r"A new link goes to [^.]*", response.get_data(as_text=True)).group(0))
        )
    assert flashes[0] == flashes[1]  # the trainee is told the same whether or not the rater has answered
    smtp.messages.clear()
    second = _links(smtp)
    assert list(second) == ["rater0@nhs.example"]  # the rater who answered is sent nothing
    assert second["rater0@nhs.example"] != first["rater0@nhs.example"]
    assert Browser(app).get(f"/msf/rate/{first['rater0@nhs.example']}").status_code == 404  # the old link is gone
    assert Browser(app).post(f"/msf/rate/{second['rater0@nhs.example']}", data=_answers()).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(MsfResponse)) == 2


def test_a_rater_of_another_round_cannot_be_reinvited_through_this_one(app):
    world = World()
    trainee, mine = _start(app, world)
    _nominate(trainee, mine, groups=["consultant"])
    other_browser = _as(app, world.other)
    assert other_browser.post("/msf/new", data={"title": ""}).status_code == 302
    theirs = _round()
    rater_id = db.session.scalar(select(MsfRater.id).where(MsfRater.round_id == mine.id))
    assert other_browser.post(f"/msf/{theirs.id}/raters/{rater_id}/resend").status_code == 404
    assert other_browser.post(f"/msf/{mine.id}/raters/{rater_id}/resend").status_code == 403
    assert (
        db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.category == "msf.rater_link")) == 1
    )
