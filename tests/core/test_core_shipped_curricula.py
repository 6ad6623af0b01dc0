"""The curricula shipped inside the package load, validate and hold the agreed content."""

import string

import pytest

from competencies import CURRICULA_DIRECTORY, EVIDENCE_TYPES, STAGE_LEVELS, SUPERVISION_LEVELS, THEMES, load_registry

REGISTRY = load_registry()
C2010 = REGISTRY.get("2010")
C2021 = REGISTRY.get("2021")
BOTH = pytest.mark.parametrize("curriculum", [C2010, C2021], ids=["2010", "2021"])


def test_shipped_files_live_inside_the_package():
    names = sorted(path.name for path in CURRICULA_DIRECTORY.glob("*.toml"))
    assert names == ["mapping-2010-2021.toml", "pain-2010.toml", "pain-2021.toml"]


def test_registry_versions_and_latest():
    assert REGISTRY.versions() == ("2010", "2021")
    assert REGISTRY.latest() is C2021
    assert C2010.kind == "levels" and C2021.kind == "stages"


@BOTH
def test_every_theme_is_covered(curriculum):
    coverage = curriculum.theme_coverage()
    assert set(coverage) == set(THEMES)
    assert all(coverage[theme] for theme in THEMES)


def test_2010_has_exactly_one_stage_per_level():
    assert [stage.level for stage in C2010.stages] == list(STAGE_LEVELS)
    for level in STAGE_LEVELS:
        assert C2010.stage_for_level(level).level == level
    assert [stage.order for stage in C2010.stages] == [1, 2, 3, 4]


def test_2021_offers_both_sias_at_advanced_and_one_stage_elsewhere():
    assert [stage.level for stage in C2021.stages] == [*STAGE_LEVELS, "advanced"]
    assert [s.key for s in C2021.stages_at("advanced")] == ["sia-pain", "sia-acute-inpatient"]
    assert C2021.stage_for_level("advanced").key == "sia-pain"  # no SIA chosen yet: the one 2010 Advanced maps to
    assert C2021.stage_for_level("advanced", "sia-acute-inpatient").key == "sia-acute-inpatient"
    followed = [s.key for s in C2021.followed_stages("sia-acute-inpatient")]
    assert followed == ["stage-1", "stage-2", "stage-3", "sia-acute-inpatient"]


def test_2021_sia_acute_inpatient_pain_in_the_sources_words():
    aip = C2021.stage("sia-acute-inpatient")
    assert aip.level == "advanced" and aip.status == "optional"
    assert aip.duration.startswith("Indicative 6 months") and aip.max_weeks == 26
    assert "acute or inpatient pain consultant posts" in aip.aim and "Affiliate Fellowship" in aip.aim
    assert {"AIP", "PROV-GP", "HPT-IP"} <= set(aip.sources)
    for competency in aip.competencies:
        assert competency.code.startswith("SIA_AIP_")
        assert "Paraphrased" in competency.description and "official key-capability letters not found" in competency.description
        assert {"AIP", "HPT-IP"} <= set(competency.sources)
        assert all(rule.minimum <= 4 for rule in competency.evidence)  # the programme's small suggestions


def test_mapping_still_sends_2010_advanced_to_sia_pain_medicine():
    assert REGISTRY.mapping("2010", "2021").stage_for("advanced") == "sia-pain"


@BOTH
def test_every_reference_resolves_and_rules_are_plausible(curriculum):
    for stage in curriculum.stages:
        for key in stage.sources:
            curriculum.source(key)
        assert stage.domains
        for domain in stage.domains:
            assert domain.competencies
    for competency in curriculum.competencies:
        assert competency.title and competency.description and competency.themes
        assert competency.sources and competency.evidence
        for key in competency.sources:
            assert curriculum.source(key).citation
        for rule in competency.evidence:
            assert rule.evidence_type in EVIDENCE_TYPES
            assert rule.min_supervision is None or rule.min_supervision in SUPERVISION_LEVELS
            assert 1 <= rule.minimum <= 10
        assert curriculum.competency(competency.code) is competency
    for item in curriculum.fellowship:
        for key in item.sources:
            curriculum.source(key)


@BOTH
def test_exam_rules_match_the_handbook(curriculum):
    exam = curriculum.exam
    assert exam.mcq_before_soe is True
    assert exam.mcq_validity_years == 3
    assert exam.max_attempts_per_part == 6
    assert exam.extra_training_from_attempt == 6
    assert exam.soe_requires_rapm_confirmation is True
    assert exam.soe_min_advanced_months == 6
    assert exam.sources_for("mcq_validity_years") == ("EH-ELIG",)
    with pytest.raises(KeyError):
        exam.sources_for("no_such_rule")


@BOTH
def test_consultant_post_is_marked_as_inference(curriculum):
    items = {item.key: item for item in curriculum.fellowship}
    assert {"passed_mcq", "passed_soe", "consultant_post"} <= set(items)
    assert items["consultant_post"].inference is True
    assert items["passed_mcq"].inference is False


@BOTH
def test_model_objects_are_hashable_and_lookups_fail_loudly(curriculum):
    hash(curriculum)
    with pytest.raises(KeyError):
        curriculum.competency("NOPE_01")
    with pytest.raises(KeyError):
        curriculum.stage("nope")
    with pytest.raises(KeyError):
        curriculum.source("NOPE")
    with pytest.raises(TypeError):
        curriculum.sources["NEW"] = None


def test_2010_has_at_least_60_competencies_with_level_prefixes():
    assert len(C2010.competencies) >= 60
    prefixes = {
        "basic": ("PM_BK_", "PM_BS_"),
        "intermediate": ("PM_IK_", "PM_IS_"),
        "higher": ("PM_HK_", "PM_HS_"),
        "advanced": ("PM_AK_", "PM_AS_"),
    }
    for stage in C2010.stages:
        assert stage.competencies
        for competency in stage.competencies:
            assert competency.code.startswith(prefixes[stage.key])
            assert competency.stage_key == stage.key


def test_2010_scottish_basic_knowledge_codes_are_present_and_sourced():
    for number in range(1, 10):
        competency = C2010.competency(f"PM_BK_{number:02d}")
        assert competency.stage_key == "basic"
        assert "SCOT" in competency.sources


def test_2010_basic_encodes_the_scottish_minimums():
    rules = [(r.evidence_type, r.minimum) for c in C2010.stage("basic").competencies for r in c.evidence if "SCOT" in c.sources]
    assert ("logbook.ward_round", 8) in rules
    assert ("logbook.clinic", 2) in rules
    for evidence_type in ("wba.cbd", "wba.cex", "wba.dops"):
        assert (evidence_type, 1) in rules


def test_2010_stage_facts():
    basic, intermediate, higher, advanced = C2010.stages
    assert basic.when == "CT1–CT2" and basic.status == "compulsory"
    assert (intermediate.min_weeks, intermediate.max_weeks) == (4, 12)
    assert intermediate.status == "compulsory"
    assert higher.status == "optional" and (higher.min_weeks, higher.max_weeks) == (4, 12)
    assert advanced.status == "optional" and advanced.min_weeks == 52
    advanced_rules = [r for c in advanced.competencies for r in c.evidence]
    assert any(r.evidence_type == "logbook.procedure" and r.min_supervision in ("2b", "3") for r in advanced_rules)


def test_2021_sia_pain_holds_exactly_capabilities_a_to_n():
    sia = C2021.stage("sia-pain")
    assert sia.level == "advanced" and sia.status == "optional"
    assert (sia.min_weeks, sia.max_weeks) == (26, 52)
    assert "6 months" in sia.duration
    codes = [c.code for c in sia.competencies]
    assert codes == [f"SIA_PM_{letter}" for letter in string.ascii_uppercase[:14]]
    assert all("SIA-PM" in c.sources for c in sia.competencies)


def test_2021_stage_facts_and_paraphrase_notes():
    stage1, stage2, stage3 = (C2021.stage(k) for k in ("stage-1", "stage-2", "stage-3"))
    assert (stage1.level, stage1.when) == ("basic", "CT1–CT3")
    assert (stage2.level, stage2.when) == ("intermediate", "ST4–ST5")
    assert stage3.level == "higher" and stage3.status == "compulsory"
    assert (stage3.min_weeks, stage3.max_weeks) == (4, 12)
    for stage, prefix, source in ((stage1, "S1_PM_", "S1"), (stage2, "S2_PM_", "S2"), (stage3, "S3_PM_", "S3")):
        for competency in stage.competencies:
            assert competency.code.startswith(prefix)
            assert source in competency.sources
            assert "Paraphrased" in competency.description


def test_2021_fellowship_needs_locally_assessed_sia_capabilities():
    items = {item.key: item for item in C2021.fellowship}
    assert "EH-PUR" in items["sia_capabilities"].sources


def test_exam_relevant_codes():
    codes = C2010.exam_relevant_codes()
    assert "PM_BK_01" in codes and "PM_BS_01" not in codes
    assert isinstance(codes, frozenset)


def test_mapping_resolves_every_stage_and_code():
    mapping = REGISTRY.mapping("2010", "2021")
    assert dict(mapping.stages) == {"basic": "stage-1", "intermediate": "stage-2", "higher": "stage-3", "advanced": "sia-pain"}
    assert mapping.sources == ("S1", "S2", "S3", "AIP")
    assert "inference" in mapping.note
    assert len(mapping.competencies) >= 40
    for old, new in mapping.competencies:
        C2010.competency(old)
        C2021.competency(new)
    assert mapping.stage_for("advanced") == "sia-pain"
    assert set(mapping.competencies_for("PM_AS_01")) == {"SIA_PM_A", "SIA_PM_B"}
    assert "PM_BS_01" in mapping.sources_of("S1_PM_01")
    with pytest.raises(KeyError):
        REGISTRY.mapping("2021", "2010")
