"""Framework-free domain core of the Pain Medicine training tracker: curricula, evidence
vocabularies and progress rules, as plain data and pure functions."""

from .curriculum import (
    EXAM_RULE_NAMES,
    Competency,
    Curriculum,
    Domain,
    EvidenceRule,
    ExamRules,
    FellowshipItem,
    Source,
    Stage,
    VersionMapping,
)
from .evidence import (
    EVIDENCE_GROUPS,
    EVIDENCE_TYPES,
    GUIDANCE_MODES,
    PROCEDURE_TECHNIQUES,
    STAGE_LEVELS,
    SUPERVISION_LEVELS,
    THEMES,
    EvidenceType,
    evidence_noun,
    level_at_least,
    supervision_rank,
)
from .loader import (
    CURRICULA_DIRECTORY,
    CurriculumError,
    CurriculumRegistry,
    ValidationIssue,
    load_curriculum_file,
    load_curriculum_text,
    load_mapping_file,
    load_mapping_text,
    load_registry,
)
from .progress import (
    COMPETENCY_STATES,
    EVIDENCE_STATUSES,
    CompetencyProgress,
    DomainProgress,
    EvidenceCount,
    RuleProgress,
    StageProgress,
    competency_progress,
    curriculum_progress,
    expected_percent,
    is_behind,
    rule_progress,
    stage_progress,
)

__all__ = [
    "COMPETENCY_STATES", "CURRICULA_DIRECTORY", "EVIDENCE_GROUPS", "EVIDENCE_STATUSES",
    "EVIDENCE_TYPES", "EXAM_RULE_NAMES", "GUIDANCE_MODES", "PROCEDURE_TECHNIQUES",
    "STAGE_LEVELS", "SUPERVISION_LEVELS", "THEMES",
    "Competency", "CompetencyProgress", "Curriculum", "CurriculumError", "CurriculumRegistry",
    "Domain", "DomainProgress", "EvidenceCount", "EvidenceRule", "EvidenceType", "ExamRules",
    "FellowshipItem", "RuleProgress", "Source", "Stage", "StageProgress", "ValidationIssue",
    "VersionMapping",
    "competency_progress", "curriculum_progress", "evidence_noun", "expected_percent",
    "is_behind", "level_at_least", "load_curriculum_file", "load_curriculum_text",
    "load_mapping_file", "load_mapping_text", "load_registry", "rule_progress",
    "stage_progress", "supervision_rank",
]
