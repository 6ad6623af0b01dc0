"""The MSF rules of the curriculum files, a round's readiness for release, the questionnaire's checks and the
collated result that must identify nobody."""

from __future__ import annotations

import itertools

import pytest

from competencies import msf
from competencies.loader import CURRICULA_DIRECTORY, CurriculumError, load_curriculum_file, load_curriculum_text
from competencies.provenance import quotes_number

SHIPPED = {version: load_curriculum_file(CURRICULA_DIRECTORY / f"pain-{version}.toml") for version in ("2010", "2021")}


@pytest.mark.parametrize("version", sorted(SHIPPED))
def test_both_curricula_carry_msf_rules_with_their_sources(version):
    curriculum = SHIPPED[version]
    rules = curriculum.msf
    assert rules is not None
    assert rules.raters.basis == "national" and quotes_number(rules.raters.quote, rules.raters.minimum)
    assert all(key in curriculum.sources for key in rules.raters.sources)
    for threshold in (rules.responses, rules.groups, rules.anonymity):  # no source gives these: the programme's own
        assert threshold.basis == "suggestion" and not threshold.sources and not threshold.quote
    assert rules.anonymity.minimum <= rules.responses.minimum and rules.groups.minimum <= len(rules.staff_groups)
    named = {g.key for g in rules.staff_groups if g.basis == "national"}
    assert {"consultant", "odp", "admin"} <= named and len(rules.questions) >= 3


def _file(msf_section: str) -> str:
    """The 2021 file with its [msf] section replaced."""
    text = (CURRICULA_DIRECTORY / "pain-2021.toml").read_text(encoding="utf-8")
    return text[: text.index("\n[msf]\n")] + "\n" + msf_section


GOOD_GROUPS = '[[msf.staff_groups]]\nkey = "consultant"\nlabel = "Consultant"\nbasis = "suggestion"\n'
GOOD_QUESTIONS = '[[msf.questions]]\nkey = "team"\ntext = "Team working"\nbasis = "suggestion"\n'


def _section(raters='min = 12\nbasis = "suggestion"', anonymity="min = 1", groups="min = 1", extra=""):
    return (
        f"[msf]\n{extra}\n[msf.raters]\n{raters}\n[msf.responses]\nmin = 2\n[msf.groups]\n{groups}\n"
        f"[msf.anonymity]\n{anonymity}\n{GOOD_GROUPS}{GOOD_QUESTIONS}"
    )


def test_a_sound_section_loads():
    rules = load_curriculum_text(_file(_section()), "x.toml").msf
    assert rules.raters.minimum == 12 and rules.group_label("consultant") == "Consultant"


@pytest.mark.parametrize(
    "section, problem",
    [
        (_section(raters='min = 12\nbasis = "national"\nsources = ["MSF-GUIDE"]\nquote = "a minimum of people"'), "minimum 12"),
        (_section(raters='min = 12\nbasis = "national"\nquote = "a minimum of 12 people"'), "names its source"),
        (_section(raters='min = 12\nbasis = "national"\nsources = ["NOPE"]\nquote = "12"'), "not defined"),
        (_section(raters='min = 12\nbasis = "suggestion"\nsources = ["MSF-GUIDE"]'), "no published source"),
        (_section(raters="min = 0"), "at least 1"),
        (_section(anonymity="min = 3"), "cannot exceed msf.responses.min"),
        (_section(groups="min = 4"), "more staff groups"),
        (_section(extra="unknown = 1"), "unknown key"),
        ("[msf]\n", "required table is missing"),
    ],
)
def test_a_wrong_section_is_refused_with_its_reason(section, problem):
    with pytest.raises(CurriculumError) as error:
        load_curriculum_text(_file(section), "x.toml")
    assert problem in str(error.value)


RULES = SHIPPED["2021"].msf


def test_readiness_names_what_is_missing_until_every_minimum_is_met():
    empty = msf.readiness(RULES, 0, {})
    assert not empty.ready and len(empty.missing) == 3
    short = msf.readiness(RULES, 12, {"consultant": 5, "nurse": 4})
    assert [m.split(" ")[0:3] for m in short.missing] == [["At", "least", "10"], ["Responses", "from", "at"]]
    ready = msf.readiness(RULES, 12, {"consultant": 4, "nurse": 3, "odp": 3})
    assert ready.ready and ready.responded == 10 and ready.groups_responded == 3
    assert not msf.readiness(RULES, 11, {"consultant": 4, "nurse": 3, "odp": 3}).ready  # nominations count too


def test_only_a_collecting_round_takes_raters_answers_and_decisions():
    for check in (msf.may_nominate, msf.may_answer, msf.may_release, msf.may_close):
        assert check(msf.COLLECTING) and not check(msf.RELEASED) and not check(msf.CLOSED)


def _ratings(value="meets"):
    return {q.key: value for q in RULES.questions}


def test_answers_need_a_known_rating_for_every_question_and_something_said():
    assert msf.check_answers(RULES, _ratings(), {}) == []
    assert msf.check_answers(RULES, {**_ratings(), RULES.questions[0].key: "excellent"}, {})
    assert msf.check_answers(RULES, {}, {"well": "Kind"})
    assert msf.check_answers(RULES, _ratings(msf.UNABLE), {}) != []
    assert msf.check_answers(RULES, _ratings(msf.UNABLE), {"improve": "Speak up more"}) == []
    assert msf.check_answers(RULES, _ratings(), {"well": "x" * (msf.COMMENT_LIMIT + 1)}) != []


def test_groups_shown_never_let_a_small_group_be_worked_out_by_subtraction():
    """Every combination of up to four groups of 0–5 answers: each figure shown covers at least `smallest` people,
    and so does what is left when the shown groups are taken from the overall figures."""
    smallest = 3
    for sizes in itertools.product(range(6), repeat=4):
        counts = {f"g{i}": n for i, n in enumerate(sizes) if n}
        shown, pooled = msf.shown_groups(counts, smallest)
        assert all(counts[key] >= smallest for key in shown)
        assert pooled == 0 or pooled >= smallest or not shown
        assert pooled + sum(counts[key] for key in shown) == sum(counts.values())


def _response(group, rating="meets", well=""):
    return msf.Response(group, _ratings(rating), {"well": well, "improve": ""})


def test_collation_counts_ratings_and_hides_everything_below_the_smallest_group():
    few = msf.collate(RULES, [_response("consultant", well="Kind"), _response("nurse")])
    assert few.overall is None and few.groups == () and all(not comments for _, comments in few.comments)
    responses = [_response("consultant", "above", "Zesty")] * 3 + [_response("nurse", well="able")] * 3 + [_response("odp")]
    result = msf.collate(RULES, responses)
    below, meets, above, unable = result.overall.rows[0][1]
    assert (below, meets, above, unable) == (0, 4, 3, 0) and result.responses == 7
    labels = [b.label for b in result.groups]
    # the single ODP answer cannot stand alone, nor be left over: a group of three (the first by key) joins it
    assert labels == ["Ward, clinic or pain team nurse", "Other staff groups together"]
    assert [b.responses for b in result.groups] == [3, 4]
    assert result.comments[0][1] == ("able", "able", "able", "Zesty", "Zesty", "Zesty")  # alphabetical, not by arrival
    assert dict(result.counts_by_group)["Operating department practitioner (ODP)"] == 1


def test_a_released_msf_claims_the_stage_competencies_that_ask_for_one():
    assert msf.msf_competencies(SHIPPED["2021"], "basic") == ("S1_PM_07",)
    assert msf.msf_competencies(SHIPPED["2010"], "advanced") == ("PM_AS_06",)
    assert msf.msf_competencies(SHIPPED["2021"], "higher") == ()
