"""Vocabularies shared by all curriculum versions."""

import ast
import sys
from pathlib import Path

import pytest

import competencies
from competencies import (
    EVIDENCE_TYPES,
    GUIDANCE_MODES,
    NOT_APPLICABLE,
    PROCEDURE_TECHNIQUES,
    STAGE_LEVELS,
    SUPERVISION_CHOICES,
    SUPERVISION_LEVELS,
    THEMES,
    EvidenceRule,
    level_at_least,
    supervision_label,
    supervision_rank,
)


def test_evidence_type_codes_are_exactly_the_agreed_list_in_order():
    assert list(EVIDENCE_TYPES) == [
        "logbook.clinic",
        "logbook.ward_round",
        "logbook.mdt",
        "logbook.procedure",
        "logbook.teaching",
        "wba.cbd",
        "wba.cex",
        "wba.dops",
        "wba.msf",
        "wba.almat",
        "wba.aqipat",
        "reflection",
        "certificate",
        "activity.personal",
        "report.mtr",
        "report.essr",
    ]


def test_evidence_types_carry_their_code_label_and_group():
    assert EVIDENCE_TYPES["wba.dops"].label == "DOPS – direct observation of procedural skills"
    assert EVIDENCE_TYPES["logbook.mdt"].label == "MDT meeting"
    for code, evidence_type in EVIDENCE_TYPES.items():
        assert evidence_type.code == code
        assert evidence_type.group in ("logbook", "wba", "reflection", "certificate", "activity", "report")
        assert code.split(".")[0] == evidence_type.group


def test_supervision_levels_run_from_least_to_most_independent():
    assert list(SUPERVISION_LEVELS) == ["1", "2a", "2b", "3", "4"]
    assert SUPERVISION_LEVELS["1"] == "Supervisor present throughout"


@pytest.mark.parametrize(
    "level, minimum, expected",
    [
        ("1", None, True),
        (None, None, True),
        (None, "1", False),
        ("unknown", "1", False),
        ("1", "1", True),
        ("2a", "2b", False),
        ("2b", "2b", True),
        ("3", "2b", True),
        ("4", "3", True),
        ("2B", "2b", True),
        ("2b", "nonsense", False),
        ("4", "4", True),
        ("3", "4", False),
        ("1", "2a", False),
        ("2a", "1", True),
        # "not applicable" is recorded but meets no minimum, not even the lowest; only "no minimum" accepts it
        ("na", None, True),
        ("na", "1", False),
        ("NA", "1", False),
        ("na", "4", False),
        ("na", "na", False),
    ],
)
def test_level_at_least(level, minimum, expected):
    assert level_at_least(level, minimum) is expected


def test_not_applicable_is_a_choice_but_not_a_ranked_level():
    assert NOT_APPLICABLE == "na"
    assert NOT_APPLICABLE not in SUPERVISION_LEVELS and supervision_rank("na") is None
    assert list(SUPERVISION_CHOICES) == [*SUPERVISION_LEVELS, "na"]
    assert SUPERVISION_CHOICES["na"] == "Not applicable"
    assert [supervision_label(x) for x in ("na", "2b", "1", None, "")] == ["Not applicable", "2B", "1", "", ""]


def test_not_applicable_counts_only_for_rules_without_a_minimum():
    from competencies import EvidenceCount, rule_progress

    counts = [EvidenceCount("X", "logbook.mdt", "na", "signed", 3), EvidenceCount("X", "logbook.mdt", "2b", "signed", 1)]
    assert rule_progress(EvidenceRule("logbook.mdt", 2), counts).counted == 4
    assert rule_progress(EvidenceRule("logbook.mdt", 2, "1"), counts).counted == 1


def test_new_2021_evidence_kinds_and_whether_they_record_supervision():
    from competencies import evidence_noun, needs_supervision

    assert EVIDENCE_TYPES["wba.aqipat"].label.startswith("A-QIPAT – anaesthesia quality improvement project")
    assert needs_supervision("wba.aqipat") and needs_supervision("logbook.mdt")
    for code in ("activity.personal", "report.mtr", "report.essr", "reflection", "certificate", None, "nonsense"):
        assert not needs_supervision(code)
    assert EvidenceRule("report.mtr", 1, None, True).describe() == "1 multiple trainer report, signed off"
    assert evidence_noun("activity.personal", 2) == "personal activities"
    assert evidence_noun("report.essr", 1) == "ESSR"


def test_procedure_and_guidance_lists():
    assert len(PROCEDURE_TECHNIQUES) == 15
    assert PROCEDURE_TECHNIQUES["nerve_root_block"] == "Nerve root block (transforaminal)"
    assert list(PROCEDURE_TECHNIQUES)[-1] == "other"
    assert list(GUIDANCE_MODES.values()) == ["Landmark", "Ultrasound", "X-ray (fluoroscopy)", "CT"]


def test_theme_keys_and_stage_levels():
    assert list(THEMES) == [
        "pain_biology",
        "diagnosis",
        "prescribing",
        "interventions",
        "complex_pain",
        "cancer_pain",
        "biopsychosocial",
        "multidisciplinary",
        "leadership",
        "education",
        "research",
        "medicolegal",
    ]
    assert STAGE_LEVELS == ("basic", "intermediate", "higher", "advanced")


@pytest.mark.parametrize(
    "rule, text",
    [
        (EvidenceRule("wba.dops", 2, "2b", True), "2 DOPS at supervision level 2b or more, signed off"),
        (EvidenceRule("logbook.ward_round", 8, "1", False), "8 ward rounds at supervision level 1 or more"),
        (EvidenceRule("wba.cbd", 1, None, True), "1 CBD, signed off"),
        (EvidenceRule("logbook.clinic", 1), "1 clinic"),
    ],
)
def test_rule_describe(rule, text):
    assert rule.describe() == text


def test_rule_describe_count_for_gaps():
    rule = EvidenceRule("wba.dops", 2, "2b", True)
    assert rule.describe_count(1, more=True) == "1 more DOPS at supervision level 2b or more, signed off"


def test_core_imports_only_the_standard_library():
    package = Path(competencies.__file__).parent
    for module in package.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names, f"{module.name} imports {name}"


def test_package_exports_the_public_api():
    for name in competencies.__all__:
        assert hasattr(competencies, name), name
