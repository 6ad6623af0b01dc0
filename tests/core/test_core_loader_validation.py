"""Curriculum and mapping files are validated on load, with every issue named by file and path."""

import pytest

from competencies import (
    CurriculumError,
    CurriculumRegistry,
    ValidationIssue,
    load_curriculum_file,
    load_curriculum_text,
    load_mapping_text,
    load_registry,
)
from tests.core.helpers import FILE, curriculum_text, domain_text, issues_of, stage_text


def find(issues, path, fragment):
    matches = [i for i in issues if i.path == path and fragment in i.reason]
    assert matches, f"no issue at {path!r} mentioning {fragment!r} in {issues}"
    assert all(i.file == FILE for i in matches)
    return matches[0]


COMPETENCY_0 = "stages[0].domains[0].competencies[0]"


def test_the_minimal_file_is_valid():
    curriculum = load_curriculum_text(curriculum_text(), FILE)
    assert curriculum.version == "9999"
    assert [s.key for s in curriculum.stages] == ["stage-0", "stage-1", "stage-2", "stage-3"]
    assert curriculum.competency("T0_01").evidence[0].min_supervision == "2b"
    assert curriculum.exam.sources_for("mcq_before_soe") == ("SRC",)
    assert curriculum.exam.sources_for("mcq_validity_years") == ()


def test_issue_renders_as_file_path_reason():
    issue = ValidationIssue("a.toml", "stages[0].key", "duplicate")
    assert str(issue) == "a.toml: stages[0].key: duplicate"


def test_unknown_evidence_type():
    text = curriculum_text(stage0={"rule": '{ type = "wba.xyz", min = 1 }'})
    find(issues_of(text), f"{COMPETENCY_0}.evidence[0].type", "unknown evidence type 'wba.xyz'")


def test_bad_supervision_level():
    text = curriculum_text(stage1={"rule": '{ type = "wba.dops", min = 1, level = "5" }'})
    find(issues_of(text), "stages[1].domains[0].competencies[0].evidence[0].level", "unknown supervision level '5'")


@pytest.mark.parametrize(
    "minimum, fragment",
    [
        ("0", "at least 1"),
        ("-2", "at least 1"),
        ('"two"', "must be an integer"),
        ("true", "must be an integer"),
        ("1.5", "must be an integer"),
    ],
)
def test_minimum_must_be_a_positive_integer(minimum, fragment):
    text = curriculum_text(stage0={"rule": f'{{ type = "wba.cbd", min = {minimum} }}'})
    find(issues_of(text), f"{COMPETENCY_0}.evidence[0].min", fragment)


def test_competency_without_evidence_rules():
    text = curriculum_text(stage0={"rule": ""})
    find(issues_of(text), f"{COMPETENCY_0}.evidence", "at least one evidence rule")


def test_duplicate_code_across_stages():
    text = curriculum_text(stage2={"code": "T0_01"})
    issue = find(issues_of(text), "stages[2].domains[0].competencies[0].code", "duplicate competency code 'T0_01'")
    assert "stages[0]" in issue.reason


@pytest.mark.parametrize("code", ["pm_bk_01", "PM-BK-01", "PM BK"])
def test_code_format(code):
    text = curriculum_text(stage0={"code": code})
    find(issues_of(text), f"{COMPETENCY_0}.code", "must match")


def test_missing_theme_is_named():
    text = curriculum_text(stage3={"themes": ["education", "research"]})
    issue = find(issues_of(text), "stages", "themes not covered")
    assert "medicolegal" in issue.reason and "education" not in issue.reason


def test_unknown_theme():
    themes = ["education", "research", "medicolegal", "astrology"]
    text = curriculum_text(stage3={"themes": themes})
    find(issues_of(text), "stages[3].domains[0].competencies[0].themes[3]", "unknown theme")


def test_undefined_source():
    text = curriculum_text(stage1={"sources": '["SRC", "NOWHERE"]'})
    find(issues_of(text), "stages[1].domains[0].competencies[0].sources[1]", "source 'NOWHERE' is not defined in [sources]")


def test_undefined_source_in_exam_and_fellowship():
    text = curriculum_text().replace('mcq_before_soe = ["SRC"]', 'mcq_before_soe = ["GHOST"]')
    text = text.replace('title = "Passed MCQ"\nsources = ["SRC"]', 'title = "Passed MCQ"\nsources = ["PHANTOM"]')
    issues = issues_of(text)
    find(issues, "exam.sources.mcq_before_soe[0]", "'GHOST'")
    find(issues, "fellowship[0].sources[0]", "'PHANTOM'")


def test_toml_syntax_error_reports_line_and_column():
    text = curriculum_text().replace('title = "Test curriculum"', 'title = "Test curriculum')
    (issue,) = issues_of(text)
    assert issue.file == FILE
    assert "TOML syntax error" in issue.reason
    assert "line 4" in issue.reason and "column" in issue.reason


def test_missing_level():
    text = curriculum_text().replace('level = "higher"\n', "")
    issues = issues_of(text)
    find(issues, "stages[2].level", "required key is missing")
    find(issues, "stages", "no stage has level 'higher'")


def test_level_used_twice_and_unknown_level():
    text = curriculum_text().replace('level = "higher"', 'level = "basic"')
    issues = issues_of(text)
    find(issues, "stages[2].level", "level 'basic' is already used by stages[0]")
    text = curriculum_text().replace('level = "higher"', 'level = "expert"')
    find(issues_of(text), "stages[2].level", "must be one of basic, intermediate")


def test_unknown_keys_are_rejected():
    text = curriculum_text().replace('title = "Competency 1"', 'titel = "Competency 1"')
    issues = issues_of(text)
    find(issues, "stages[1].domains[0].competencies[0].titel", "unknown key 'titel'")
    find(issues, "stages[1].domains[0].competencies[0].title", "required key is missing")
    text = curriculum_text(stage0={"rule": '{ type = "wba.cbd", minimum = 1 }'})
    find(issues_of(text), f"{COMPETENCY_0}.evidence[0].minimum", "unknown key")


def test_wrong_types():
    text = curriculum_text().replace("exam_relevant = true", 'exam_relevant = "yes"', 1)
    find(issues_of(text), f"{COMPETENCY_0}.exam_relevant", "must be true or false")
    text = curriculum_text().replace('kind = "levels"', 'kind = "modules"')
    find(issues_of(text), "curriculum.kind", "must be one of levels, stages")


def test_duplicate_stage_and_domain_keys():
    text = curriculum_text().replace('key = "stage-1"', 'key = "stage-0"')
    find(issues_of(text), "stages[1].key", "duplicate stage key 'stage-0'")
    second_domain = domain_text(
        "EXTRA_01", "Extra", rule='{ type = "reflection", min = 1 }', name="Pain again", description="Extra.", exam_relevant=False
    )
    find(issues_of(curriculum_text() + second_domain), "stages[3].domains[1].key", "duplicate domain key 'pain'")


def test_empty_stage_and_empty_domain():
    empty_domain = curriculum_text() + '\n[[stages.domains]]\nkey = "empty"\nname = "Empty"\n'
    find(issues_of(empty_domain), "stages[3].domains[1].competencies", "at least one competency")
    text = curriculum_text().split("[[stages]]")
    stageless = (
        "[[stages]]".join(text)
        + """
[[stages]]
key = "extra"
name = "Extra"
level = "advanced"
when = "ST8"
duration = "none"
status = "optional"
aim = "None."
sources = []
domains = []
"""
    )
    issues = issues_of(stageless)
    find(issues, "stages[4].domains", "at least one domain")
    find(issues, "stages[4].level", "already used")


@pytest.mark.parametrize(
    "key, value, fragment",
    [
        pytest.param("mcq_validity_years", "0", "at least 1", id="MCQ valid for no years"),
        pytest.param("max_attempts_per_part", "-1", "at least 1", id="negative attempts"),
        pytest.param("soe_min_advanced_months", '"six"', "must be an integer", id="months as words"),
        pytest.param("mcq_before_soe", "1", "must be true or false", id="order as a number"),
    ],
)
def test_exam_values_must_be_sane(key, value, fragment):
    text = curriculum_text()
    start = text.index(f"\n{key} = ") + 1
    end = text.index("\n", start)
    text = text[:start] + f"{key} = {value}" + text[end:]
    find(issues_of(text), f"exam.{key}", fragment)


def test_extra_training_attempt_cannot_exceed_attempts():
    text = curriculum_text().replace("extra_training_from_attempt = 6", "extra_training_from_attempt = 7")
    find(issues_of(text), "exam.extra_training_from_attempt", "cannot be later")


def test_weeks_must_be_ordered():
    text = curriculum_text().replace("min_weeks = 4\nmax_weeks = 12", "min_weeks = 20\nmax_weeks = 12", 1)
    find(issues_of(text), "stages[0].min_weeks", "cannot exceed max_weeks")


def test_missing_top_level_tables():
    issues = issues_of('[curriculum]\nversion = "1"\ntitle = "x"\nkind = "levels"\n')
    for table in ("sources", "exam", "fellowship", "stages"):
        find(issues, table, "required key is missing")


def test_multiple_errors_are_reported_together():
    text = curriculum_text(
        stage0={"rule": '{ type = "wba.xyz", min = 0, level = "9" }'},
        stage1={"sources": '["NOWHERE"]', "code": "T0_01"},
        stage3={"themes": []},
    )
    with pytest.raises(CurriculumError) as caught:
        load_curriculum_text(text, FILE)
    issues = caught.value.issues
    find(issues, f"{COMPETENCY_0}.evidence[0].type", "unknown evidence type")
    find(issues, f"{COMPETENCY_0}.evidence[0].min", "at least 1")
    find(issues, f"{COMPETENCY_0}.evidence[0].level", "unknown supervision level")
    find(issues, "stages[1].domains[0].competencies[0].sources[0]", "not defined")
    find(issues, "stages[1].domains[0].competencies[0].code", "duplicate")
    find(issues, "stages", "themes not covered")
    lines = str(caught.value).splitlines()
    assert len(lines) == len(issues) >= 6
    assert all(line.startswith(f"{FILE}: ") for line in lines)


def test_load_curriculum_file_uses_the_file_name(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text(curriculum_text(stage0={"code": "bad code"}), encoding="utf-8")
    with pytest.raises(CurriculumError) as caught:
        load_curriculum_file(path)
    assert caught.value.issues[0].file == "broken.toml"


# Mappings ---------------------------------------------------------------------------------


def newer_text():
    """The minimal file as version 10000 with codes N0_01.. instead of T0_01.."""
    text = curriculum_text().replace('version = "9999"', 'version = "10000"')
    return text.replace('code = "T', 'code = "N')


def two_versions():
    old = load_curriculum_text(curriculum_text(), "old.toml")
    new = load_curriculum_text(newer_text(), "new.toml")
    return {"9999": old, "10000": new}


MAPPING = """
[mapping]
from = "9999"
to = "10000"
sources = ["SRC"]
note = "By content."

[[stages]]
from = "stage-0"
to = "stage-0"

[[competencies]]
from = "T0_01"
to = "N0_01"
"""


def test_mapping_loads():
    mapping = load_mapping_text(MAPPING, "map.toml", two_versions())
    assert mapping.stages == (("stage-0", "stage-0"),)
    assert mapping.competencies_for("T0_01") == ("N0_01",)
    assert mapping.note == "By content."


def test_mapping_checks_each_side():
    text = (
        MAPPING.replace('from = "T0_01"', 'from = "N0_01"')
        .replace('to = "stage-0"', 'to = "stage-9"')
        .replace('"SRC"]', '"SRC", "X"]')
    )
    with pytest.raises(CurriculumError) as caught:
        load_mapping_text(text, "map.toml", two_versions())
    issues = caught.value.issues
    assert {(i.path, i.file) for i in issues} >= {
        ("competencies[0].from", "map.toml"),
        ("stages[0].to", "map.toml"),
        ("mapping.sources[1]", "map.toml"),
    }
    assert any("does not exist in curriculum 9999" in i.reason for i in issues)


def test_mapping_to_unknown_version():
    with pytest.raises(CurriculumError) as caught:
        load_mapping_text(MAPPING.replace('to = "10000"', 'to = "3000"'), "map.toml", two_versions())
    assert any(i.path == "mapping.to" and "not loaded" in i.reason for i in caught.value.issues)


# Registry ---------------------------------------------------------------------------------


def test_registry_from_a_directory(tmp_path):
    versions = two_versions()
    (tmp_path / "old.toml").write_text(curriculum_text(), encoding="utf-8")
    (tmp_path / "new.toml").write_text(newer_text(), encoding="utf-8")
    (tmp_path / "mapping-old-new.toml").write_text(MAPPING, encoding="utf-8")
    registry = load_registry(tmp_path)
    # Numeric order, not string order: "10000" sorts after "9999".
    assert registry.versions() == ("9999", "10000")
    assert registry.latest().version == "10000"
    assert registry.mapping("9999", "10000").competencies == (("T0_01", "N0_01"),)
    assert "9999" in registry and "1" not in registry
    assert set(versions) == set(registry.curricula())


def test_registry_reports_issues_from_every_file(tmp_path):
    (tmp_path / "a.toml").write_text(curriculum_text(stage0={"code": "bad"}), encoding="utf-8")
    (tmp_path / "b.toml").write_text("[curriculum\n", encoding="utf-8")
    with pytest.raises(CurriculumError) as caught:
        load_registry(tmp_path)
    assert {i.file for i in caught.value.issues} == {"a.toml", "b.toml"}


def test_registry_rejects_duplicate_versions(tmp_path):
    (tmp_path / "a.toml").write_text(curriculum_text(), encoding="utf-8")
    (tmp_path / "b.toml").write_text(curriculum_text(), encoding="utf-8")
    with pytest.raises(CurriculumError) as caught:
        load_registry(tmp_path)
    assert any("already loaded" in i.reason for i in caught.value.issues)


def test_registry_is_immutable_and_add_returns_a_new_one():
    versions = two_versions()
    empty = CurriculumRegistry()
    one = empty.add(versions["9999"])
    two = one.add(versions["10000"])
    assert empty.versions() == () and one.versions() == ("9999",)
    assert two.versions() == ("9999", "10000")
    with pytest.raises(ValueError):
        two.add(versions["9999"])
    mapping = load_mapping_text(MAPPING, "map.toml", versions)
    with pytest.raises(KeyError):
        one.add_mapping(mapping)
    assert two.add_mapping(mapping).mapping("9999", "10000") is mapping
    with pytest.raises(KeyError):
        two.mapping("9999", "10000")


def test_registry_get_and_latest_on_empty():
    registry = CurriculumRegistry()
    with pytest.raises(KeyError):
        registry.get("2010")
    assert registry.get("2010", None) is None
    with pytest.raises(KeyError):
        registry.latest()


def _second_advanced(kind, level="advanced", key="stage-4"):
    """The valid file as a `kind` curriculum with one more stage at `level` (a second SIA when advanced)."""
    extra = stage_text(3, level).replace('key = "stage-3"', f'key = "{key}"').replace('code = "T3_01"', 'code = "T4_01"')
    return curriculum_text().replace('kind = "levels"', f'kind = "{kind}"') + extra


def test_a_stages_curriculum_may_offer_several_stages_at_advanced():
    curriculum = load_curriculum_text(_second_advanced("stages"), FILE)
    assert [s.key for s in curriculum.stages_at("advanced")] == ["stage-3", "stage-4"]
    assert curriculum.stage_for_level("advanced").key == "stage-3"  # no choice: the first
    assert curriculum.stage_for_level("advanced", "stage-4").key == "stage-4"
    assert curriculum.stage_for_level("advanced", "stage-0").key == "stage-3"  # a choice from another slot is ignored
    assert [s.key for s in curriculum.followed_stages("stage-4")] == ["stage-0", "stage-1", "stage-2", "stage-4"]
    assert curriculum.is_choice("stage-4") and not curriculum.is_choice("stage-0") and not curriculum.is_choice(None)


def test_a_levels_curriculum_keeps_one_stage_at_advanced():
    find(issues_of(_second_advanced("levels")), "stages[4].level", "level 'advanced' is already used by stages[3]")


@pytest.mark.parametrize("level", ["basic", "intermediate", "higher"])
def test_a_stages_curriculum_keeps_one_stage_at_every_other_level(level):
    find(issues_of(_second_advanced("stages", level)), "stages[4].level", f"level {level!r} is already used")


def test_a_stages_curriculum_still_needs_a_stage_at_advanced():
    text = curriculum_text().replace('kind = "levels"', 'kind = "stages"').replace('level = "advanced"', 'level = "higher"')
    issues = issues_of(text)
    find(issues, "stages", "no stage has level 'advanced'")
