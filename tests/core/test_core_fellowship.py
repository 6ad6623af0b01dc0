"""The Fellowship checklist (items and their checks come from the curriculum) and the projected date."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competencies import CurriculumError, load_registry
from competencies.exam import ExamHistory, PartRecord, RapmStatus, Sitting
from competencies.fellowship import MET, NOT_MET, UNCONFIRMED, fellowship_checklist, project_fellowship
from tests.core.helpers import curriculum_text, issues_of

REGISTRY = load_registry()
C2021, C2010 = REGISTRY.get("2021"), REGISTRY.get("2010")
TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)


def statuses(curriculum, history, signed_off=None, today=TODAY):
    return {s.item.key: s.status for s in fellowship_checklist(curriculum, history, signed_off, today)}


def test_nothing_done_shows_every_tracked_item_unmet_and_the_consultant_post_unconfirmed():
    assert statuses(C2021, ExamHistory()) == {
        "passed_mcq": NOT_MET,
        "passed_soe": NOT_MET,
        "sia_capabilities": NOT_MET,
        "consultant_post": UNCONFIRMED,
    }


def test_items_tick_off_as_parts_pass_and_advanced_training_is_signed_off():
    history = ExamHistory(PartRecord(2, date(2025, 3, 1)), PartRecord(1, date(2026, 5, 1)))
    assert statuses(C2010, history, date(2026, 8, 1)) == {
        "passed_mcq": MET,
        "passed_soe": MET,
        "advanced_training": MET,
        "consultant_post": UNCONFIRMED,
    }


def test_an_expired_mcq_pass_without_the_soe_no_longer_counts():
    history = ExamHistory(PartRecord(1, date(2023, 3, 1)))
    assert statuses(C2021, history, today=date(2026, 2, 28))["passed_mcq"] == MET
    assert statuses(C2021, history, today=date(2026, 3, 1))["passed_mcq"] == NOT_MET
    both = ExamHistory(PartRecord(1, date(2023, 3, 1)), PartRecord(1, date(2024, 3, 1)))
    assert statuses(C2021, both, today=date(2030, 1, 1))["passed_mcq"] == MET


def test_fellowship_item_check_must_be_known():
    text = curriculum_text().replace('title = "Passed MCQ"\n', 'title = "Passed MCQ"\ncheck = "vibes"\n', 1)
    assert any(i.path.endswith("check") for i in issues_of(text))


def test_shipped_items_name_their_checks():
    for curriculum in (C2010, C2021):
        checks = {item.key: item.check for item in curriculum.fellowship}
        assert checks["passed_mcq"] == "mcq_passed" and checks["passed_soe"] == "soe_passed"
        assert checks["consultant_post"] == "none"
    assert {i.key: i.check for i in C2021.fellowship}["sia_capabilities"] == "advanced_stage_signed_off"


def project(**overrides):
    values = dict(
        current_level="higher",
        stage_started_on=TODAY - timedelta(days=60),
        current_percent=50.0,
        signed_off={},
        history=ExamHistory(),
        sittings=[],
        rapm=None,
        today=TODAY,
        now=NOW,
    )
    values.update(overrides)
    return project_fellowship(C2021, **values)


def test_projection_uses_the_current_rate_then_curriculum_lengths_then_the_first_allowed_sittings():
    sittings = [
        Sitting("MCQ", date(2027, 3, 10), date(2026, 12, 1), date(2027, 1, 5)),
        Sitting("SOE", date(2027, 11, 10), date(2027, 7, 1), date(2027, 8, 1)),
    ]
    result = project(sittings=sittings)
    stage3_end = TODAY + timedelta(days=60)  # 50% in 60 days: 60 more
    sia_end = stage3_end + timedelta(weeks=52)
    assert dict(result.milestones)["Stage 3 pain (higher pain training) complete"] == stage3_end
    assert dict(result.milestones)["MCQ passed"] == date(2027, 3, 10)
    # SIA starts 24 Jan 2027, six months on 24 Jul 2027: the entered SOE of 10 Nov 2027 is the first allowed.
    assert dict(result.milestones)["SOE passed"] == date(2027, 11, 10)
    assert result.projected_on == sia_end and not result.complete
    text = " ".join(result.assumptions)
    assert "50% of Stage 3" in text and "52 weeks" in text and "first attempt" in text and "consultant" in text


def test_projection_without_progress_assumes_the_stage_length():
    result = project(current_percent=0.0, stage_started_on=TODAY - timedelta(days=7))
    stage3_end = TODAY - timedelta(days=7) + timedelta(weeks=12)
    assert dict(result.milestones)["Stage 3 pain (higher pain training) complete"] == stage3_end
    assert "12 weeks" in result.assumptions[0]


def test_projection_respects_the_stage_minimum():
    result = project(current_percent=90.0, stage_started_on=TODAY - timedelta(days=7))
    assert dict(result.milestones)["Stage 3 pain (higher pain training) complete"] == TODAY - timedelta(days=7) + timedelta(
        weeks=4
    )


def test_projection_when_everything_is_done_is_the_later_of_soe_and_sign_off():
    history = ExamHistory(PartRecord(1, date(2025, 3, 1)), PartRecord(1, date(2026, 5, 1)))
    result = project(current_level="advanced", signed_off={"advanced": date(2026, 8, 1)}, history=history)
    assert result.complete and result.projected_on == date(2026, 8, 1)


def test_projection_uses_the_rapm_confirmed_advanced_start():
    history = ExamHistory(PartRecord(1, date(2026, 3, 1)))
    rapm = RapmStatus(date(2026, 10, 1), True, date(2026, 9, 1))
    result = project(
        current_level="advanced", stage_started_on=date(2026, 9, 1), current_percent=20.0, history=history, rapm=rapm
    )
    soe_on = dict(result.milestones)["SOE passed"]
    assert soe_on >= date(2027, 3, 1)
    assert "confirmed by the RAPM" in " ".join(result.assumptions)


@settings(max_examples=100, deadline=None)
@given(
    percent=st.floats(0, 100), days=st.integers(0, 700), level=st.sampled_from(["basic", "intermediate", "higher", "advanced"])
)
def test_projection_is_never_in_the_past_and_stages_end_in_order(percent, days, level):
    result = project(current_level=level, current_percent=percent, stage_started_on=TODAY - timedelta(days=days))
    assert result.projected_on >= TODAY
    stage_ends = [d for label, d in result.milestones if label.endswith("complete")]
    assert stage_ends == sorted(stage_ends)
    assert result.assumptions


def test_loader_still_rejects_unknown_keys_in_fellowship():
    text = curriculum_text().replace('title = "Passed MCQ"\n', 'title = "Passed MCQ"\nchecks = "x"\n', 1)
    with pytest.raises(CurriculumError):
        from competencies import load_curriculum_text

        load_curriculum_text(text, "x.toml")


def test_mcq_item_is_not_met_when_the_pass_expired_before_the_soe_was_passed():
    expired = ExamHistory(PartRecord(1, date(2022, 3, 1)), PartRecord(1, date(2025, 3, 1)))  # third anniversary
    items = {s.item.key: s for s in fellowship_checklist(C2021, expired, None, TODAY)}
    assert items["passed_mcq"].status == NOT_MET and "expired on 1 March 2025" in items["passed_mcq"].reason
    valid = ExamHistory(PartRecord(1, date(2022, 3, 1)), PartRecord(1, date(2025, 2, 28)))
    assert statuses(C2021, valid)["passed_mcq"] == MET


def test_an_expired_mcq_pass_says_a_retake_comes_first_in_the_checklist_and_the_projection():
    history = ExamHistory(PartRecord(1, date(2023, 3, 1)), PartRecord(2))
    item = next(s for s in fellowship_checklist(C2021, history, None, TODAY) if s.item.key == "passed_mcq")
    assert "a retake of the MCQ comes first" in item.reason
    result = project(history=history)
    assert result.retake_first and "expired on 1 March 2026" in result.retake_first and result.projected_on


def test_an_mcq_pass_that_will_lapse_before_the_next_soe_is_retaken_first():
    sittings = [
        Sitting("MCQ", date(2027, 9, 10), date(2027, 6, 1), date(2027, 7, 5)),
        Sitting("SOE", date(2027, 11, 10), date(2027, 7, 1), date(2027, 8, 1)),
    ]
    history = ExamHistory(PartRecord(1, date(2024, 3, 1)))  # valid until 1 March 2027
    result = project(history=history, sittings=sittings, current_level="advanced", stage_started_on=TODAY)
    assert result.retake_first and "1 March 2027" in result.retake_first
    assert dict(result.milestones)["MCQ retaken"] == date(2027, 9, 10)
    assert dict(result.milestones)["SOE passed"] == date(2027, 11, 10)


@pytest.mark.parametrize(
    "history",
    [
        ExamHistory(PartRecord(6)),  # six MCQ fails
        ExamHistory(PartRecord(1, date(2026, 3, 1)), PartRecord(6)),  # six SOE fails
        ExamHistory(PartRecord(6, date(2023, 3, 1)), PartRecord(1)),  # the sixth MCQ passed, and has lapsed
    ],
)
def test_when_attempts_are_exhausted_the_route_is_closed_and_no_date_is_projected(history):
    result = project(history=history)
    assert result.projected_on is None and "route to the Fellowship through the examination is closed" in result.closed
    assert not any(label.startswith(("MCQ", "SOE")) for label, _ in result.milestones)
    reasons = " ".join(s.reason for s in fellowship_checklist(C2021, history, None, TODAY))
    assert "closed (at most 6 attempts per part) [EH-ELIG]" in reasons


def test_five_attempts_used_leaves_the_route_open():
    result = project(history=ExamHistory(PartRecord(5)))
    assert result.closed is None and result.projected_on is not None


def test_only_the_sia_pain_medicine_meets_the_sia_item():
    signed = date(2026, 8, 1)
    pain = fellowship_checklist(C2021, ExamHistory(), signed, TODAY, "sia-pain")
    inpatient = fellowship_checklist(C2021, ExamHistory(), signed, TODAY, "sia-acute-inpatient")
    assert {s.item.key: s.status for s in pain}["sia_capabilities"] == MET
    item = next(s for s in inpatient if s.item.key == "sia_capabilities")
    assert item.status == NOT_MET and "SIA Acute Inpatient Pain" in item.reason
