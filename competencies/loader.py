"""Load and validate curriculum and version-mapping TOML files into frozen model objects,
reporting every problem at once with its file and path; the schema is in curricula/README.md."""

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

# The curriculum model's parts, as model.Stage, model.Competency…; the two the loader names most, by name.
from . import curriculum as model
from .curriculum import Curriculum, VersionMapping
from .evidence import CHOICE_LEVEL, EVIDENCE_TYPES, STAGE_LEVELS, SUPERVISION_LEVELS, THEMES
from .msf import read_rules as read_msf_rules
from .provenance import BASES, SUGGESTION
from .provenance import check as check_provenance
from .readiness import HALO, STAGE_SIGNOFF, ArcpRules, Requirement, known_kind

CURRICULA_DIRECTORY = Path(__file__).parent / "curricula"
CODE_PATTERN = re.compile(r"^[A-Z0-9_]+$")
KINDS = ("levels", "stages")
TRAINING_YEAR_PATTERN = re.compile(r"^(CT|ST)[1-9]$")
STAGE_STATUSES = ("compulsory", "optional")


@dataclass(frozen=True)
class ValidationIssue:
    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.reason}"


class CurriculumError(Exception):
    """A curriculum or mapping file failed to load; `issues` lists every problem found."""

    def __init__(self, issues: Iterable[ValidationIssue]):
        self.issues = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


# Field kinds: each is (name shown in messages, predicate on the parsed TOML value).
_STR = ("a non-empty string", lambda v: isinstance(v, str) and v.strip() != "")
_TEXT = ("a string", lambda v: isinstance(v, str))
_INT = ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool))
_BOOL = ("true or false", lambda v: isinstance(v, bool))
_STR_LIST = ("a list of strings", lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v))
_TABLE = ("a table", lambda v: isinstance(v, dict))
_TABLE_LIST = ("an array of tables", lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v))

_Spec = Mapping[str, tuple[tuple[str, Callable[[Any], bool]], bool, Any]]

_CURRICULUM_FILE: _Spec = {
    "curriculum": (_TABLE, True, {}),
    "sources": (_TABLE, True, {}),
    "exam": (_TABLE, True, {}),
    "fellowship": (_TABLE_LIST, True, []),
    "stages": (_TABLE_LIST, True, []),
    "arcp": (_TABLE, False, {}),
    "msf": (_TABLE, False, None),
}
_HEADER: _Spec = {
    "version": (_STR, True, ""),
    "title": (_STR, True, ""),
    "kind": (_STR, True, ""),
    "description": (_TEXT, False, ""),
}
_SOURCE: _Spec = {"citation": (_STR, True, ""), "url": (_STR, False, None)}
_EXAM: _Spec = {
    "mcq_before_soe": (_BOOL, True, True),
    "mcq_validity_years": (_INT, True, 1),
    "max_attempts_per_part": (_INT, True, 1),
    "extra_training_from_attempt": (_INT, True, 1),
    "soe_requires_rapm_confirmation": (_BOOL, True, True),
    "soe_min_advanced_months": (_INT, True, 1),
    "fpm_membership_weeks_before_closing": (_INT, False, None),
    "requires_gmc_registration": (_BOOL, False, False),
    "requires_fpm_membership": (_BOOL, False, False),
    "sources": (_TABLE, False, {}),
}
_FELLOWSHIP: _Spec = {
    "key": (_STR, True, ""),
    "title": (_STR, True, ""),
    "description": (_TEXT, False, ""),
    "sources": (_STR_LIST, True, []),
    "inference": (_BOOL, False, False),
    "check": (_STR, False, "none"),
}
_STAGE: _Spec = {
    "key": (_STR, True, ""),
    "name": (_STR, True, ""),
    "level": (_STR, True, ""),
    "when": (_STR, True, ""),
    "duration": (_STR, True, ""),
    "min_weeks": (_INT, False, None),
    "max_weeks": (_INT, False, None),
    "status": (_STR, True, ""),
    "aim": (_STR, True, ""),
    "sources": (_STR_LIST, True, []),
    "evidence_note": (_TEXT, False, ""),
    "domains": (_TABLE_LIST, True, []),
}
_DOMAIN: _Spec = {"key": (_STR, True, ""), "name": (_STR, True, ""), "competencies": (_TABLE_LIST, True, [])}
_COMPETENCY: _Spec = {
    "code": (_STR, True, ""),
    "title": (_STR, True, ""),
    "description": (_STR, True, ""),
    "themes": (_STR_LIST, False, []),
    "exam_relevant": (_BOOL, True, False),
    "sources": (_STR_LIST, True, []),
    "evidence": (_TABLE_LIST, True, []),
}
_EVIDENCE: _Spec = {
    "type": (_STR, True, ""),
    "min": (_INT, True, 1),
    "level": (_STR, False, None),
    "signoff": (_BOOL, False, False),
    "basis": (_STR, True, SUGGESTION),
    "sources": (_STR_LIST, False, []),
    "quote": (_TEXT, False, ""),
}
_ARCP: _Spec = {
    "review_months_without_previous_panel": (_INT, False, 12),
    "just_before_days": (_INT, False, 7),
    "note": (_TEXT, False, ""),
    "requirements": (_TABLE_LIST, False, []),
}
_REQUIREMENT: _Spec = {
    "key": (_STR, True, ""),
    "label": (_STR, True, ""),
    "what": (_STR, True, ""),
    "count": (_INT, False, 1),
    "years": (_STR_LIST, False, []),
    "stage": (_STR, False, None),
    "basis": (_STR, True, SUGGESTION),
    "sources": (_STR_LIST, False, []),
    "quote": (_TEXT, False, ""),
}
_MAPPING_FILE: _Spec = {
    "mapping": (_TABLE, True, {}),
    "stages": (_TABLE_LIST, True, []),
    "competencies": (_TABLE_LIST, False, []),
}
_MAPPING_HEADER: _Spec = {
    "from": (_STR, True, ""),
    "to": (_STR, True, ""),
    "note": (_TEXT, False, ""),
    "sources": (_STR_LIST, True, []),
}
_PAIR: _Spec = {"from": (_STR, True, ""), "to": (_STR, True, "")}


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Checker:
    """Collects issues while reading one file, so the author sees every problem at once."""

    def __init__(self, filename: str):
        self.filename = filename
        self.issues: list[ValidationIssue] = []

    def report(self, path: str, reason: str) -> None:
        self.issues.append(ValidationIssue(self.filename, path or "(top level)", reason))

    def fields(self, table: dict, path: str, spec: _Spec) -> dict[str, Any]:
        """Values for every key in `spec`; wrong or missing values are reported and defaulted."""
        for key in table:
            if key not in spec:
                known = ", ".join(spec)
                self.report(_join(path, key), f"unknown key {key!r} (expected one of: {known})")
        values = {}
        for key, ((expected, accepts), required, default) in spec.items():
            if key not in table:
                if required:
                    self.report(_join(path, key), f"required key is missing ({expected})")
                values[key] = default
            elif not accepts(table[key]):
                self.report(_join(path, key), f"must be {expected}, got {table[key]!r}")
                values[key] = default
            else:
                values[key] = table[key]
        return values

    def sources(self, keys: list[str], path: str, defined: Mapping[str, Any]) -> tuple[str, ...]:
        for index, key in enumerate(keys):
            if key not in defined:
                self.report(_join(path, index), f"source {key!r} is not defined in [sources]")
        return tuple(keys)

    def positive(self, value: Any, path: str) -> None:
        if isinstance(value, int) and not isinstance(value, bool) and value < 1:
            self.report(path, f"must be at least 1, got {value}")

    def unique(self, value: str, seen: dict[str, str], path: str, what: str) -> None:
        if not value:
            return  # a missing value is already reported as missing
        if value in seen:
            self.report(path, f"duplicate {what} {value!r} (first at {seen[value]})")
        else:
            seen[value] = path

    def raise_if_any(self) -> None:
        if self.issues:
            raise CurriculumError(self.issues)


def _parse(text: str, filename: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib's message carries "(at line L, column C)", which is what an editor needs.
        raise CurriculumError([ValidationIssue(filename, "(syntax)", f"TOML syntax error: {error}")]) from None
    except RecursionError:
        raise CurriculumError(
            [
                ValidationIssue(
                    filename, "(syntax)", "nesting too deep: arrays or tables inside each other hundreds of levels down"
                )
            ]
        ) from None


def load_curriculum_text(text: str, filename: str) -> Curriculum:
    """Parse and validate one curriculum file; raises CurriculumError listing every issue."""
    checker = _Checker(filename)
    document = checker.fields(_parse(text, filename), "", _CURRICULUM_FILE)
    header = checker.fields(document["curriculum"], "curriculum", _HEADER)
    if header["kind"] and header["kind"] not in KINDS:
        checker.report("curriculum.kind", f"must be one of {', '.join(KINDS)}")
    sources = _read_sources(checker, document["sources"])
    exam = _read_exam(checker, document["exam"], sources)
    fellowship = _read_fellowship(checker, document["fellowship"], sources)
    stages = _read_stages(checker, document["stages"], sources)
    _check_levels(checker, stages, header["kind"])
    _check_themes(checker, stages)
    arcp = _read_arcp(checker, document["arcp"], sources, stages, header["kind"])
    msf = None
    if document["msf"] is not None:
        msf, problems = read_msf_rules(document["msf"], sources)
        for path, reason in problems:
            checker.report(path, reason)
    checker.raise_if_any()
    return Curriculum(
        version=header["version"],
        title=header["title"],
        kind=header["kind"],
        description=header["description"],
        sources=MappingProxyType(sources),
        stages=stages,
        exam=exam,
        fellowship=fellowship,
        arcp=arcp,
        msf=msf,
    )


def load_curriculum_file(path: str | Path) -> Curriculum:
    path = Path(path)
    return load_curriculum_text(path.read_text(encoding="utf-8"), path.name)


def _read_sources(checker: _Checker, table: dict) -> dict[str, model.Source]:
    sources = {}
    for key, entry in table.items():
        path = _join("sources", key)
        if not isinstance(entry, dict):
            checker.report(path, "must be a table with citation and optional url")
            continue
        values = checker.fields(entry, path, _SOURCE)
        sources[key] = model.Source(key, values["citation"], values["url"])
    if not sources:
        checker.report("sources", "at least one source must be defined")
    return sources


def _read_exam(checker: _Checker, table: dict, sources: Mapping[str, model.Source]) -> model.ExamRules:
    values = checker.fields(table, "exam", _EXAM)
    for name in ("mcq_validity_years", "max_attempts_per_part", "extra_training_from_attempt", "soe_min_advanced_months"):
        checker.positive(values[name], _join("exam", name))
    if values["fpm_membership_weeks_before_closing"] is not None:
        checker.positive(values["fpm_membership_weeks_before_closing"], "exam.fpm_membership_weeks_before_closing")
    if values["extra_training_from_attempt"] > values["max_attempts_per_part"]:
        checker.report("exam.extra_training_from_attempt", "cannot be later than max_attempts_per_part")
    rule_sources = {}
    for name, keys in values["sources"].items():
        path = _join("exam.sources", name)
        if name not in model.EXAM_RULE_NAMES:
            checker.report(path, f"unknown exam rule {name!r}")
        elif not _STR_LIST[1](keys):
            checker.report(path, "must be a list of source keys")
        else:
            rule_sources[name] = checker.sources(keys, path, sources)
    del values["sources"]
    return model.ExamRules(**values, sources=MappingProxyType(rule_sources))


def _read_fellowship(checker: _Checker, items: list, sources) -> tuple[model.FellowshipItem, ...]:
    seen: dict[str, str] = {}
    result = []
    for index, item in enumerate(items):
        path = _join("fellowship", index)
        values = checker.fields(item, path, _FELLOWSHIP)
        checker.unique(values["key"], seen, _join(path, "key"), "fellowship key")
        checker.sources(values["sources"], _join(path, "sources"), sources)
        if values["check"] not in model.FELLOWSHIP_CHECKS:
            checker.report(_join(path, "check"), f"must be one of {', '.join(model.FELLOWSHIP_CHECKS)}")
        result.append(model.FellowshipItem(**{**values, "sources": tuple(values["sources"])}))
    return tuple(result)


def _read_stages(checker: _Checker, items: list, sources) -> tuple[model.Stage, ...]:
    if not items:
        checker.report("stages", "at least one stage is required")
    stage_keys: dict[str, str] = {}
    codes: dict[str, str] = {}  # competency codes are unique across the whole file
    stages = []
    for index, item in enumerate(items):
        path = _join("stages", index)
        values = checker.fields(item, path, _STAGE)
        checker.unique(values["key"], stage_keys, _join(path, "key"), "stage key")
        if values["level"] and values["level"] not in STAGE_LEVELS:
            checker.report(_join(path, "level"), f"must be one of {', '.join(STAGE_LEVELS)}")
        if values["status"] and values["status"] not in STAGE_STATUSES:
            checker.report(_join(path, "status"), f"must be one of {', '.join(STAGE_STATUSES)}")
        for name in ("min_weeks", "max_weeks"):
            checker.positive(values[name], _join(path, name))
        low, high = values["min_weeks"], values["max_weeks"]
        if isinstance(low, int) and isinstance(high, int) and low > high:
            checker.report(_join(path, "min_weeks"), "cannot exceed max_weeks")
        checker.sources(values["sources"], _join(path, "sources"), sources)
        if not values["domains"]:
            checker.report(_join(path, "domains"), "a stage needs at least one domain")
        domains = _read_domains(checker, values["domains"], path, values["key"], codes, sources)
        stages.append(
            model.Stage(
                key=values["key"],
                name=values["name"],
                level=values["level"],
                order=index + 1,
                when=values["when"],
                duration=values["duration"],
                min_weeks=low,
                max_weeks=high,
                status=values["status"],
                aim=values["aim"],
                sources=tuple(values["sources"]),
                domains=domains,
                evidence_note=values["evidence_note"],
            )
        )
    return tuple(stages)


def _read_domains(checker, items, stage_path, stage_key, codes, sources) -> tuple[model.Domain, ...]:
    domain_keys: dict[str, str] = {}
    domains = []
    for index, item in enumerate(items):
        path = _join(_join(stage_path, "domains"), index)
        values = checker.fields(item, path, _DOMAIN)
        checker.unique(values["key"], domain_keys, _join(path, "key"), "domain key")
        if not values["competencies"]:
            checker.report(_join(path, "competencies"), "a domain needs at least one competency")
        competencies = tuple(
            _read_competency(
                checker, entry, _join(_join(path, "competencies"), position), values["key"], stage_key, codes, sources
            )
            for position, entry in enumerate(values["competencies"])
        )
        domains.append(model.Domain(values["key"], values["name"], competencies))
    return tuple(domains)


def _read_competency(checker, item, path, domain_key, stage_key, codes, sources) -> model.Competency:
    values = checker.fields(item, path, _COMPETENCY)
    code = values["code"]
    if code and not CODE_PATTERN.match(code):
        checker.report(_join(path, "code"), f"code {code!r} must match {CODE_PATTERN.pattern}")
    checker.unique(code, codes, _join(path, "code"), "competency code")
    for index, theme in enumerate(values["themes"]):
        if theme not in THEMES:
            checker.report(_join(_join(path, "themes"), index), f"unknown theme {theme!r}")
    checker.sources(values["sources"], _join(path, "sources"), sources)
    if not values["evidence"]:
        # A competency without rules would count as complete with no evidence at all.
        checker.report(_join(path, "evidence"), "at least one evidence rule is required")
    rules = tuple(
        _read_rule(checker, rule, _join(_join(path, "evidence"), index), sources) for index, rule in enumerate(values["evidence"])
    )
    return model.Competency(
        code=code,
        title=values["title"],
        description=values["description"],
        themes=tuple(values["themes"]),
        exam_relevant=values["exam_relevant"],
        sources=tuple(values["sources"]),
        evidence=rules,
        domain_key=domain_key,
        stage_key=stage_key,
    )


def _read_rule(checker: _Checker, item: dict, path: str, sources) -> model.EvidenceRule:
    values = checker.fields(item, path, _EVIDENCE)
    if values["type"] and values["type"] not in EVIDENCE_TYPES:
        checker.report(_join(path, "type"), f"unknown evidence type {values['type']!r}")
    checker.positive(values["min"], _join(path, "min"))
    level = values["level"]
    if level is not None and level not in SUPERVISION_LEVELS:
        checker.report(
            _join(path, "level"), f"unknown supervision level {level!r} (expected one of: {', '.join(SUPERVISION_LEVELS)})"
        )
    keys = checker.sources(values["sources"], _join(path, "sources"), sources)
    for problem in check_provenance(values["basis"], keys, values["quote"], values["min"]):
        checker.report(_join(path, "basis"), problem)
    basis = values["basis"] if values["basis"] in BASES else SUGGESTION
    return model.EvidenceRule(
        values["type"], values["min"], level, values["signoff"], basis=basis, sources=keys, quote=values["quote"].strip()
    )


def _read_arcp(checker: _Checker, table: dict, sources, stages: tuple[model.Stage, ...], kind: str) -> ArcpRules:
    """The [arcp] section: what a panel needs (each requirement's kind, stage, years, count and provenance) and the
    programme's own numbers for the review period and for "only just before the cut-off"."""
    values = checker.fields(table, "arcp", _ARCP)
    for name in ("review_months_without_previous_panel", "just_before_days"):
        checker.positive(values[name], _join("arcp", name))
    stage_keys = {stage.key for stage in stages}
    seen: dict[str, str] = {}
    requirements = []
    for index, item in enumerate(values["requirements"]):
        path = _join("arcp.requirements", index)
        entry = checker.fields(item, path, _REQUIREMENT)
        checker.unique(entry["key"], seen, _join(path, "key"), "requirement key")
        checker.positive(entry["count"], _join(path, "count"))
        what, stage = entry["what"], entry["stage"]
        if what and not known_kind(what):
            checker.report(_join(path, "what"), f"must be an evidence type, {HALO!r} or {STAGE_SIGNOFF!r}, got {what!r}")
        if what in (HALO, STAGE_SIGNOFF):
            closes = HALO if kind == "stages" else STAGE_SIGNOFF
            if what != closes:
                checker.report(_join(path, "what"), f"a {kind!r} curriculum closes its stages by {closes!r}, not {what!r}")
            if stage is None:
                checker.report(_join(path, "stage"), f"{what!r} names the stage it closes")
            elif stage not in stage_keys:
                checker.report(_join(path, "stage"), f"stage {stage!r} is not defined in [[stages]]")
        elif stage is not None:
            checker.report(_join(path, "stage"), "only a HALO or stage sign-off names a stage")
        for position, year in enumerate(entry["years"]):
            if not TRAINING_YEAR_PATTERN.match(year):
                checker.report(_join(_join(path, "years"), position), f"training year {year!r} must look like ST6 or CT2")
        keys = checker.sources(entry["sources"], _join(path, "sources"), sources)
        count = entry["count"]
        # A count of one is the source's "a" or "an"; a larger count must stand in the quote as a number.
        minimum = count if isinstance(count, int) and count > 1 else None
        for problem in check_provenance(entry["basis"], keys, entry["quote"], minimum):
            checker.report(_join(path, "basis"), problem)
        requirements.append(
            Requirement(
                key=entry["key"],
                label=entry["label"],
                what=what,
                count=count,
                years=tuple(entry["years"]),
                stage=stage,
                basis=entry["basis"] if entry["basis"] in BASES else SUGGESTION,
                sources=keys,
                quote=entry["quote"].strip(),
            )
        )
    return ArcpRules(
        requirements=tuple(requirements),
        review_months_without_previous_panel=values["review_months_without_previous_panel"],
        just_before_days=values["just_before_days"],
        note=values["note"],
    )


def _check_levels(checker: _Checker, stages: tuple[model.Stage, ...], kind: str) -> None:
    """Each canonical slot (/basic ... /advanced) must be served by exactly one stage; a "stages" curriculum may
    offer one or more at "advanced" (its SIAs), each trainee following the one they choose."""
    for level in STAGE_LEVELS:
        users = [index for index, stage in enumerate(stages) if stage.level == level]
        if not users:
            checker.report("stages", f"no stage has level {level!r}")
        if kind == "stages" and level == CHOICE_LEVEL:
            continue
        for index in users[1:]:
            checker.report(_join(_join("stages", index), "level"), f"level {level!r} is already used by stages[{users[0]}]")


def _check_themes(checker: _Checker, stages: tuple[model.Stage, ...]) -> None:
    covered = {theme for stage in stages for c in stage.competencies for theme in c.themes}
    uncovered = [theme for theme in THEMES if theme not in covered]
    if uncovered:
        checker.report("stages", "themes not covered by any competency: " + ", ".join(uncovered))


def load_mapping_text(text: str, filename: str, curricula: Mapping[str, Curriculum]) -> VersionMapping:
    """Parse a version mapping and check every stage key and code exists on its side."""
    checker = _Checker(filename)
    document = checker.fields(_parse(text, filename), "", _MAPPING_FILE)
    header = checker.fields(document["mapping"], "mapping", _MAPPING_HEADER)
    old = _curriculum_for(checker, curricula, header["from"], "mapping.from")
    new = _curriculum_for(checker, curricula, header["to"], "mapping.to")
    known_sources = {**(old.sources if old else {}), **(new.sources if new else {})}
    checker.sources(header["sources"], "mapping.sources", known_sources)
    stage_pairs = _read_pairs(
        checker, document["stages"], "stages", old, new, lambda c, key: any(s.key == key for s in c.stages), "stage"
    )
    code_pairs = _read_pairs(
        checker, document["competencies"], "competencies", old, new, lambda c, code: c.has_competency(code), "competency"
    )
    checker.raise_if_any()
    return VersionMapping(header["from"], header["to"], stage_pairs, code_pairs, tuple(header["sources"]), header["note"])


def _curriculum_for(checker, curricula, version, path) -> Curriculum | None:
    if version and version not in curricula:
        checker.report(path, f"curriculum version {version!r} is not loaded")
    return curricula.get(version)


def _read_pairs(checker, items, name, old, new, exists, what) -> tuple[tuple[str, str], ...]:
    pairs = []
    seen: dict[str, str] = {}
    for index, item in enumerate(items):
        path = _join(name, index)
        values = checker.fields(item, path, _PAIR)
        pair = (values["from"], values["to"])
        checker.unique(f"{pair[0]} -> {pair[1]}", seen, path, "pair")
        for side, curriculum, key in (("from", old, pair[0]), ("to", new, pair[1])):
            if curriculum is not None and key and not exists(curriculum, key):
                checker.report(_join(path, side), f"{what} {key!r} does not exist in curriculum {curriculum.version}")
        pairs.append(pair)
    return tuple(pairs)


def load_mapping_file(path: str | Path, curricula: Mapping[str, Curriculum]) -> VersionMapping:
    path = Path(path)
    return load_mapping_text(path.read_text(encoding="utf-8"), path.name, curricula)


def _version_key(version: str) -> tuple:
    # "2021" > "2010" and "2021.2" > "2021.10" would be wrong as plain strings; compare numerically.
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"[.\-]", version))


_MISSING = object()


class CurriculumRegistry:
    """Every loaded curriculum version and mapping. Immutable: add() and add_mapping()
    return a new registry, so one built at app start-up can be shared between threads."""

    def __init__(self, curricula: Iterable[Curriculum] = (), mappings: Iterable[VersionMapping] = ()):
        by_version: dict[str, Curriculum] = {}
        for curriculum in curricula:
            if curriculum.version in by_version:
                raise ValueError(f"curriculum version {curriculum.version} loaded twice")
            by_version[curriculum.version] = curriculum
        self._curricula = MappingProxyType(by_version)
        self._mappings = MappingProxyType({(m.from_version, m.to_version): m for m in mappings})

    def get(self, version: str, default: Any = _MISSING) -> Curriculum:
        """The curriculum for `version`; KeyError if unknown unless a default is given."""
        if version in self._curricula:
            return self._curricula[version]
        if default is _MISSING:
            raise KeyError(f"no curriculum version {version!r}")
        return default

    def __contains__(self, version: object) -> bool:
        return version in self._curricula

    def versions(self) -> tuple[str, ...]:
        return tuple(sorted(self._curricula, key=_version_key))

    def latest(self) -> Curriculum:
        if not self._curricula:
            raise KeyError("the registry holds no curricula")
        return self._curricula[self.versions()[-1]]

    def curricula(self) -> Mapping[str, Curriculum]:
        return self._curricula

    def mapping(self, from_version: str, to_version: str) -> VersionMapping:
        try:
            return self._mappings[(from_version, to_version)]
        except KeyError:
            raise KeyError(f"no mapping from {from_version} to {to_version}") from None

    def mappings(self) -> tuple[VersionMapping, ...]:
        return tuple(self._mappings.values())

    def add(self, curriculum: Curriculum) -> "CurriculumRegistry":
        return CurriculumRegistry([*self._curricula.values(), curriculum], self._mappings.values())

    def add_mapping(self, mapping: VersionMapping) -> "CurriculumRegistry":
        for version in (mapping.from_version, mapping.to_version):
            if version not in self._curricula:
                raise KeyError(f"mapping refers to unknown curriculum version {version!r}")
        return CurriculumRegistry(self._curricula.values(), [*self._mappings.values(), mapping])


def load_registry(directory: str | Path | None = None) -> CurriculumRegistry:
    """Load every curriculum (*.toml) and then every mapping (mapping-*.toml) in `directory`,
    by default the curricula shipped inside this package. Issues from all files are raised
    together in one CurriculumError."""
    directory = Path(directory) if directory is not None else CURRICULA_DIRECTORY
    files = sorted(directory.glob("*.toml"))
    mapping_files = [f for f in files if f.name.startswith("mapping-")]
    issues: list[ValidationIssue] = []
    curricula: dict[str, Curriculum] = {}
    for path in files:
        if path in mapping_files:
            continue
        try:
            curriculum = load_curriculum_file(path)
        except CurriculumError as error:
            issues.extend(error.issues)
            continue
        if curriculum.version in curricula:
            issues.append(ValidationIssue(path.name, "curriculum.version", f"version {curriculum.version} is already loaded"))
        curricula[curriculum.version] = curriculum
    mappings = []
    for path in mapping_files:
        try:
            mappings.append(load_mapping_file(path, curricula))
        except CurriculumError as error:
            issues.extend(error.issues)
    if issues:
        raise CurriculumError(issues)
    return CurriculumRegistry(curricula.values(), mappings)
