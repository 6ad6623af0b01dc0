"""Curriculum files written for the core tests: a valid four-stage file to vary one stage at a time."""

import pytest

from competencies import CurriculumError, load_curriculum_text

FILE = "test.toml"
THEMES_BY_STAGE = (
    ["pain_biology", "diagnosis", "prescribing"],
    ["interventions", "complex_pain", "cancer_pain"],
    ["biopsychosocial", "multidisciplinary", "leadership"],
    ["education", "research", "medicolegal"],
)
HEADER = """
[curriculum]
version = "9999"
title = "Test curriculum"
kind = "levels"

[sources.SRC]
citation = "A source"

[exam]
mcq_before_soe = true
mcq_validity_years = 3
max_attempts_per_part = 6
extra_training_from_attempt = 6
soe_requires_rapm_confirmation = true
soe_min_advanced_months = 6

[exam.sources]
mcq_before_soe = ["SRC"]

[[fellowship]]
key = "passed_mcq"
title = "Passed MCQ"
sources = ["SRC"]
"""
RULE = '{ type = "wba.cbd", min = 1, level = "2b", signoff = true, basis = "suggestion" }'


def domain_text(
    code, title, themes=(), rule=RULE, sources='["SRC"]', key="pain", name="Pain", description="Does things.", exam_relevant=True
):
    """One domain of the stage above it, holding one competency."""
    theme_list = ", ".join(f'"{t}"' for t in themes)
    return f"""
[[stages.domains]]
key = "{key}"
name = "{name}"

[[stages.domains.competencies]]
code = "{code}"
title = "{title}"
description = "{description}"
themes = [{theme_list}]
exam_relevant = {str(exam_relevant).lower()}
sources = {sources}
evidence = [{rule}]
"""


def stage_text(index, level, code=None, themes=None, rule=RULE, sources='["SRC"]'):
    themes = THEMES_BY_STAGE[index] if themes is None else themes
    return f"""
[[stages]]
key = "stage-{index}"
name = "Stage {index}"
level = "{level}"
when = "ST{index}"
duration = "4 weeks"
min_weeks = 4
max_weeks = 12
status = "compulsory"
aim = "Learn."
sources = ["SRC"]
""" + domain_text(code or f"T{index}_01", f"Competency {index}", themes, rule, sources)


def curriculum_text(**overrides):
    """A valid four-stage file; overrides replace one stage's arguments, keyed stage0..stage3."""
    levels = ("basic", "intermediate", "higher", "advanced")
    stages = [stage_text(i, level, **overrides.get(f"stage{i}", {})) for i, level in enumerate(levels)]
    return HEADER + "".join(stages)


def issues_of(text):
    with pytest.raises(CurriculumError) as caught:
        load_curriculum_text(text, FILE)
    return caught.value.issues
