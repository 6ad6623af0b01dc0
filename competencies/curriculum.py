"""Immutable model of one curriculum version: stages, domains, competencies, evidence rules,
exam rules and Fellowship checklist, each traceable to its sources."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .evidence import CHOICE_LEVEL, THEMES, evidence_noun
from .msf import MsfRules
from .provenance import SUGGESTION, origin
from .readiness import ArcpRules


@dataclass(frozen=True)
class Source:
    key: str
    citation: str
    url: str | None = None


@dataclass(frozen=True)
class EvidenceRule:
    evidence_type: str
    minimum: int
    min_supervision: str | None = None
    signoff_required: bool = False
    # Where the rule comes from (provenance.BASES): national and local rules name their sources and quote them;
    # a region's rule kept in the app names its issuer and version instead of source keys.
    basis: str = SUGGESTION
    sources: tuple[str, ...] = ()
    quote: str = ""
    issuer: str = ""
    version: int | None = None

    @property
    def origin(self) -> str:
        """The rule's provenance label, e.g. 'Local rule [SCOT]: "1 CBD"'."""
        return origin(self.basis, self.sources, self.quote, issuer=self.issuer, version=self.version)

    @property
    def basis_label(self) -> str:
        """The origin without the quote, for short lists, e.g. "Local rule [SCOT]"."""
        return origin(self.basis, self.sources, issuer=self.issuer, version=self.version)

    def describe(self) -> str:
        """Whole rule in words, e.g. "2 DOPS at supervision level 2b or more, signed off"."""
        return self.describe_count(self.minimum)

    def describe_count(self, count: int, more: bool = False) -> str:
        """The rule's wording for `count` items; `more` gives "1 more DOPS ..." for gaps."""
        words = [str(count)]
        if more:
            words.append("more")
        words.append(evidence_noun(self.evidence_type, count))
        text = " ".join(words)
        if self.min_supervision is not None:
            text += f" at supervision level {self.min_supervision} or more"
        if self.signoff_required:
            text += ", signed off"
        return text


@dataclass(frozen=True)
class Competency:
    code: str
    title: str
    description: str
    themes: tuple[str, ...]
    exam_relevant: bool
    sources: tuple[str, ...]
    evidence: tuple[EvidenceRule, ...]
    domain_key: str
    stage_key: str


@dataclass(frozen=True)
class Domain:
    key: str
    name: str
    competencies: tuple[Competency, ...]


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    level: str
    order: int
    when: str
    duration: str
    min_weeks: int | None
    max_weeks: int | None
    status: str
    aim: str
    sources: tuple[str, ...]
    domains: tuple[Domain, ...]
    evidence_note: str = ""  # what the sources say of evidence counts in this stage, e.g. that they set none

    @property
    def competencies(self) -> tuple[Competency, ...]:
        return tuple(c for domain in self.domains for c in domain.competencies)

    def domain(self, key: str) -> Domain:
        for domain in self.domains:
            if domain.key == key:
                return domain
        raise KeyError(f"stage {self.key!r} has no domain {key!r}")


EXAM_RULE_NAMES = (
    "mcq_before_soe",
    "mcq_validity_years",
    "max_attempts_per_part",
    "extra_training_from_attempt",
    "soe_requires_rapm_confirmation",
    "soe_min_advanced_months",
    "fpm_membership_weeks_before_closing",
    "requires_gmc_registration",
    "requires_fpm_membership",
)


@dataclass(frozen=True)
class ExamRules:
    mcq_before_soe: bool
    mcq_validity_years: int
    max_attempts_per_part: int
    extra_training_from_attempt: int
    soe_requires_rapm_confirmation: bool
    soe_min_advanced_months: int
    fpm_membership_weeks_before_closing: int | None = None  # FPM membership applications this long before closing
    requires_gmc_registration: bool = False  # prerequisites to apply for either part
    requires_fpm_membership: bool = False  # (a member in good standing)
    # Read-only view so the rules cannot drift after loading; left out of eq/hash because
    # mapping proxies are unhashable and the rule values already identify the rules.
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}), compare=False)

    def sources_for(self, rule_name: str) -> tuple[str, ...]:
        """Source keys backing one rule; empty if the file gives none."""
        if rule_name not in EXAM_RULE_NAMES:
            raise KeyError(f"unknown exam rule {rule_name!r}")
        return tuple(self.sources.get(rule_name, ()))


# How the app can tell whether a Fellowship item is done; "none" means it is not tracked here.
FELLOWSHIP_CHECKS = ("mcq_passed", "soe_passed", "advanced_stage_signed_off", "none")


@dataclass(frozen=True)
class FellowshipItem:
    key: str
    title: str
    description: str
    sources: tuple[str, ...]
    inference: bool = False  # True where domain.md has no primary source for the item
    check: str = "none"  # one of FELLOWSHIP_CHECKS


@dataclass(frozen=True)
class Curriculum:
    version: str
    title: str
    kind: str  # "levels" (2010) or "stages" (2021)
    description: str
    sources: Mapping[str, Source] = field(compare=False)
    stages: tuple[Stage, ...]
    exam: ExamRules
    fellowship: tuple[FellowshipItem, ...]
    # What an ARCP panel needs of a trainee on this curriculum (competencies.readiness), from the file's [arcp].
    arcp: ArcpRules = field(default_factory=ArcpRules)
    # How a multi-source feedback round runs (competencies.msf), from the file's [msf]; None when the file has none.
    msf: MsfRules | None = None
    _index: Mapping[str, Competency] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Built once: the app looks competencies up by code on every page.
        index = {c.code: c for stage in self.stages for c in stage.competencies}
        object.__setattr__(self, "_index", MappingProxyType(index))

    def stage(self, key: str) -> Stage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        raise KeyError(f"curriculum {self.version} has no stage {key!r}")

    def stages_at(self, level: str) -> tuple[Stage, ...]:
        """Every stage filling one slot: one, or at "advanced" in a stages curriculum the SIAs a trainee chooses from."""
        return tuple(stage for stage in self.stages if stage.level == level)

    def stage_for_level(self, level: str, choice: str | None = None) -> Stage:
        """The stage a trainee follows in one slot: the one `choice` names (their SIA) when it fills the slot, else
        the slot's first stage (for 2021's "advanced", the SIA Pain Medicine the 2010 Advanced stage maps to)."""
        stages = self.stages_at(level)
        if not stages:
            raise KeyError(f"curriculum {self.version} has no stage at level {level!r}")
        return next((stage for stage in stages if stage.key == choice), stages[0])

    def followed_stages(self, choice: str | None = None) -> tuple[Stage, ...]:
        """The stages one trainee follows, in curriculum order: of the stages sharing the choice slot (the SIAs),
        only the one `choice` names (else the first)."""
        chosen = self.stage_for_level(CHOICE_LEVEL, choice) if self.stages_at(CHOICE_LEVEL) else None
        return tuple(s for s in self.stages if s.level != CHOICE_LEVEL or s is chosen)

    def is_choice(self, stage_key: str | None) -> bool:
        """Whether `stage_key` names one of several stages sharing a slot (a stage a trainee may choose)."""
        return any(s.key == stage_key and len(self.stages_at(s.level)) > 1 for s in self.stages)

    def competency(self, code: str) -> Competency:
        try:
            return self._index[code]
        except KeyError:
            raise KeyError(f"curriculum {self.version} has no competency {code!r}") from None

    def has_competency(self, code: str) -> bool:
        return code in self._index

    @property
    def competencies(self) -> tuple[Competency, ...]:
        return tuple(self._index.values())

    def exam_relevant_codes(self) -> frozenset[str]:
        return frozenset(code for code, c in self._index.items() if c.exam_relevant)

    def source(self, key: str) -> Source:
        try:
            return self.sources[key]
        except KeyError:
            raise KeyError(f"curriculum {self.version} has no source {key!r}") from None

    def theme_coverage(self) -> dict[str, tuple[str, ...]]:
        """Every FPM theme mapped to the codes covering it (empty tuple if uncovered)."""
        coverage: dict[str, list[str]] = {theme: [] for theme in THEMES}
        for code, competency in self._index.items():
            for theme in competency.themes:
                coverage.setdefault(theme, []).append(code)
        return {theme: tuple(codes) for theme, codes in coverage.items()}


@dataclass(frozen=True)
class VersionMapping:
    from_version: str
    to_version: str
    stages: tuple[tuple[str, str], ...]
    competencies: tuple[tuple[str, str], ...]
    sources: tuple[str, ...]
    note: str = ""

    def stage_for(self, from_stage_key: str) -> str:
        for old, new in self.stages:
            if old == from_stage_key:
                return new
        raise KeyError(f"no mapping for stage {from_stage_key!r}")

    def competencies_for(self, from_code: str) -> tuple[str, ...]:
        """Codes in the newer version that cover `from_code` (one-to-many allowed)."""
        return tuple(new for old, new in self.competencies if old == from_code)

    def sources_of(self, to_code: str) -> tuple[str, ...]:
        """Codes in the older version that map onto `to_code`."""
        return tuple(old for old, new in self.competencies if new == to_code)
