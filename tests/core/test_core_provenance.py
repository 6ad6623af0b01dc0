"""Every evidence rule states where it comes from; the loader refuses a rule whose provenance does not hold, and one
wording names the origin of rules and thresholds alike."""

import re

import pytest

from competencies import EvidenceRule, load_curriculum_text, load_registry
from competencies.flags import Threshold
from competencies.provenance import BASES, check, origin, quotes_number
from tests.core.helpers import FILE, curriculum_text, issues_of

PATH = "stages[0].domains[0].competencies[0].evidence[0]"


def rule_text(**keys) -> str:
    return "{ " + ", ".join(f"{k} = {v}" for k, v in {"type": '"logbook.clinic"', **keys}.items()) + " }"


def load_rule(**keys) -> EvidenceRule:
    return load_curriculum_text(curriculum_text(stage0={"rule": rule_text(**keys)}), FILE).competency("T0_01").evidence[0]


def reasons(**keys) -> list[str]:
    return [i.reason for i in issues_of(curriculum_text(stage0={"rule": rule_text(**keys)})) if i.path.startswith(PATH)]


@pytest.mark.parametrize("minimum", [16, 20, 1, 999])
def test_any_whole_minimum_from_one_up_loads(minimum):
    rule = load_rule(min=minimum, basis='"national"', sources='["SRC"]', quote=f'"at least {minimum} sessions recommended"')
    assert rule.minimum == minimum and rule.basis == "national" and rule.sources == ("SRC",)
    assert rule.origin == f'National rule [SRC]: "at least {minimum} sessions recommended"'


def test_a_suggestion_of_sixteen_loads_without_sources():
    rule = load_rule(min=16, basis='"suggestion"')
    assert rule.origin == "The programme's own suggestion (no published source)"


@pytest.mark.parametrize("basis", ["national", "local"])
def test_a_sourced_rule_without_quote_or_sources_is_refused(basis):
    assert any("quotes its source" in r for r in reasons(min=1, basis=f'"{basis}"', sources='["SRC"]'))
    assert any("names its source" in r for r in reasons(min=1, basis=f'"{basis}"', quote='"1 CBD"'))
    assert any("quotes its source" in r for r in reasons(min=1, basis=f'"{basis}"', sources='["SRC"]', quote='"  "'))


def test_a_national_rule_whose_quote_lacks_its_number_is_refused():
    assert any(
        "does not state the minimum 16" in r
        for r in reasons(min=16, basis='"national"', sources='["SRC"]', quote='"160 sessions"')
    )
    assert any(
        "does not state the minimum 1" in r for r in reasons(min=1, basis='"national"', sources='["SRC"]', quote='"CT1 sessions"')
    )


def test_a_suggestion_naming_a_source_or_quote_is_refused():
    assert any(
        "programme suggestion has no published source" in r for r in reasons(min=2, basis='"suggestion"', sources='["SRC"]')
    )
    assert any("programme suggestion has no published source" in r for r in reasons(min=2, basis='"suggestion"', quote='"2"'))


def test_basis_is_required_and_known():
    assert any("required key is missing" in r for r in reasons(min=1))
    assert any("basis must be one of" in r for r in reasons(min=1, basis='"official"'))
    assert any("not defined in [sources]" in r for r in reasons(min=1, basis='"local"', sources='["NOPE"]', quote='"1"'))


def test_origin_wording_for_every_basis():
    assert origin("local", issuer="NHS Education for Scotland", version=2, quote="1 CBD") == (
        'Local rule (NHS Education for Scotland, version 2): "1 CBD"'
    )
    assert (
        origin("suggestion", issuer="Scotland", version=1)
        == "The programme's own suggestion (no published source, Scotland, version 1)"
    )
    assert all(origin(b, ("S",) if b != "suggestion" else (), "1").startswith(BASES[b]) for b in BASES)
    with pytest.raises(ValueError):
        origin("rumour")
    assert Threshold("x", 1, "x", "suggestion").provenance == "The programme's own suggestion (no published source)"


def test_quotes_number_edges():
    assert quotes_number("at least 16 sessions", 16) and quotes_number("16", 16) and quotes_number("(8)", 8)
    assert not quotes_number("160 sessions", 16) and not quotes_number("116", 16) and not quotes_number("1.6", 6)
    assert not quotes_number("CT1–ST5", 1) and not quotes_number("", 1)
    assert check("national", ("S",), "20 half-day sessions across CT1–ST5", 20) == []
    assert check("national", ("S",), "20 half-day sessions across CT1–ST5", 5) != []


REGISTRY = load_registry()


@pytest.mark.parametrize("version", ["2010", "2021"])
def test_shipped_sourced_rules_quote_their_own_number(version):
    curriculum = REGISTRY.get(version)
    for competency in curriculum.competencies:
        for rule in competency.evidence:
            assert rule.basis in BASES
            if rule.basis == "suggestion":
                assert not rule.sources and not rule.quote
                continue
            assert rule.sources and rule.quote, competency.code
            assert re.search(rf"(?<![\w.]){rule.minimum}(?!\d)", rule.quote), (competency.code, rule)
            for key in rule.sources:
                curriculum.source(key)


def test_shipped_sourced_rules_are_the_ones_domain_md_gives():
    sourced = {
        (v, c.code, r.evidence_type, r.minimum, r.basis, r.sources)
        for v in ("2010", "2021")
        for c in REGISTRY.get(v).competencies
        for r in c.evidence
        if r.basis != "suggestion"
    }
    assert sourced == {
        ("2010", "PM_BS_01", "logbook.ward_round", 8, "local", ("SCOT",)),
        ("2010", "PM_BS_01", "wba.cex", 1, "local", ("SCOT",)),
        ("2010", "PM_BS_02", "wba.cbd", 1, "local", ("SCOT",)),
        ("2010", "PM_BS_03", "wba.dops", 1, "local", ("SCOT",)),
        ("2010", "PM_BS_04", "logbook.clinic", 2, "local", ("SCOT",)),
        ("2021", "SIA_PM_K", "logbook.clinic", 16, "national", ("PROV-ORG",)),
    }


def test_2021_stage_3_says_the_fpm_sets_no_session_counts():
    stage = REGISTRY.get("2021").stage("stage-3")
    assert "no minimum or maximum" in stage.evidence_note and "PROV-GP" in stage.evidence_note
    assert all(r.basis == "suggestion" for c in stage.competencies for r in c.evidence)


# --- a region's extra rules, passed to progress as plain data -------------------------------------------------------

from competencies import EvidenceCount, ExtraRule, curriculum_progress, rules_for, stage_progress  # noqa: E402

C2010 = REGISTRY.get("2010")


def local(code, kind, minimum, basis="local"):
    quote = f"{minimum} {kind}" if basis == "local" else ""
    return ExtraRule(code, EvidenceRule(kind, minimum, basis=basis, quote=quote, issuer="NHS Education for Scotland", version=2))


def test_an_extra_rule_replaces_the_curriculums_suggestion_of_its_type_but_never_a_sourced_rule():
    competency = C2010.competency("PM_BK_02")  # one suggested signed A-CEX
    rules = rules_for(competency, [local("PM_BK_02", "wba.cex", 3, "suggestion"), local("PM_BK_03", "wba.cbd", 9)])
    assert [(r.evidence_type, r.minimum, r.basis) for r in rules] == [("wba.cex", 3, "suggestion")]
    sourced = C2010.competency("PM_BS_01")  # the Scottish 8 rounds and 1 A-CEX, local [SCOT]
    rules = rules_for(sourced, [local("PM_BS_01", "wba.cex", 2)])
    assert [(r.evidence_type, r.minimum) for r in rules] == [("logbook.ward_round", 8), ("wba.cex", 1), ("wba.cex", 2)]
    assert rules[-1].origin == 'Local rule (NHS Education for Scotland, version 2): "2 wba.cex"'
    assert rules_for(competency) == competency.evidence


def test_progress_follows_the_extra_rules_and_ignores_unknown_codes():
    counts = [EvidenceCount("PM_BK_02", "wba.cex", None, "signed", 1)]
    plain = stage_progress(C2010, "basic", counts).competency("PM_BK_02")
    assert plain.complete
    stricter = stage_progress(C2010, "basic", counts, [local("PM_BK_02", "wba.cex", 2, "suggestion")]).competency("PM_BK_02")
    assert not stricter.complete and stricter.rules[0].missing == 1
    assert stricter.rules[0].rule.minimum == 2
    whole = curriculum_progress(C2010, counts, extra_rules=[local("NOPE_01", "wba.cex", 5)])
    assert whole["basic"].percent == stage_progress(C2010, "basic", counts).percent
