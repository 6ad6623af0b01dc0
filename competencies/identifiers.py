"""Patient-identifier checker for free text: NHS/CHI numbers, dates of birth, postcodes and hospital numbers.
Pure and framework-free; the app wraps it in a form validator (trainee_portal/platform/identifiers.py).

Policy on dates: a note dates clinical events ("reviewed in clinic on 12/03/2026"), and a date of birth is how a
patient is identified, so a full date (day, month and year, however written: 12/03/2026, 12.3.26, 2026-03-12,
12 March 2026, March 12, 2026, 12-Mar-2026) is read in its context:

- birth wording leading to it ("DOB", "D.O.B.", "date of birth", "born", "b. 1956") or just after it
  ("12/03/2019 (DOB)") makes it a date of birth;
- a year further back than EVENT_YEARS_BACK makes it a date of birth whatever the words around it (a "clinic" on
  12/03/1956 in a trainee's note is a birth date in disguise); a date more than EVENT_YEARS_AHEAD ahead is refused
  as no event of training;
- within those years, `date_score` weighs the words around it: a patient's title and name just before it ("Mrs
  Smith 12/03/2020"), a name with the date in brackets ("Jane Smith (12/03/2020)"), age wording in the same clause
  and, more, an age the date gives ("aged 6, 12/03/2020"); words of a clinical event just before it ("seen",
  "injection", "MRI") count against. At BIRTH_SCORE or more it is a date of birth; below, an ordinary date.

A month and year ("March 1956", "03/2026") or a day and month ("12 March") is allowed, unless birth wording leads to
it ("born March 1956"). Every pattern reads a bounded window around what it found, so checking is linear in the
text's length.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from .flags import Threshold
from .provenance import SUGGESTION

TAIL = "Free text must not identify a patient."

# The years a full date may fall in and still read as an event of training: the programme's own rule (no FPM or
# RCoA source sets one). 16 years back covers the longest training with time out of programme and a trainee's
# note of a patient's past procedure in those years; a date of birth that recent is a child's, which only its
# context (birth wording, a name, an age) gives away. A year ahead covers a planned follow-up or procedure.
EVENT_YEARS_BACK = Threshold(
    "identifier_event_years_back",
    16,
    "years before today a full date in free text may be and still read as a clinical event, not a date of birth",
    SUGGESTION,
)
EVENT_YEARS_AHEAD = Threshold(
    "identifier_event_years_ahead",
    1,
    "years after today a full date in free text may be (a planned follow-up or procedure)",
    SUGGESTION,
)

# The context scorer's weights (the programme's own): a date within the event years scoring BIRTH_SCORE or more is
# a date of birth. One strong cue is enough; a weak one needs another beside it.
BIRTH_SCORE = 3
WEIGHTS = {
    "birth_words": 3,  # "date of birth recorded as 12/03/2019", "12/03/2019 (DOB)"
    "patient_title": 3,  # "Mrs Smith 12/03/2020", "Mr J. Jones, 12/03/2020"
    "doctor_title": 2,  # "Dr Patel 12/03/2026" is most often the clinician: a date of birth only with another cue
    "name": 1,  # two capitalised words that are no clinical or place words: "Jane Smith 12/03/2020"
    "brackets_after_name": 2,  # "Jane Smith (12/03/2020)", "Dr Patel (12/03/2020)"
    "age_words": 1,  # "aged 6", "6-year-old", "6yo", "67M" in the same clause
    "age_matches": 2,  # ... and the date is that many years ago: the age is counted from it
    "event_words": -2,  # "seen", "reviewed", "injection", "MRI", "on" just before the date: a dated event
}

KIND_LABELS = {
    "nhs_number": "an NHS number",
    "chi_number": "a CHI number",
    "date_of_birth": "a date of birth",
    "full_date": (
        f"a full date more than {'a year' if EVENT_YEARS_AHEAD.value == 1 else f'{EVENT_YEARS_AHEAD.value} years'} ahead, "
        "too far off for a clinical event; give the month and year only"
    ),
    "postcode": "a postcode",
    "hospital_number": "a hospital number",
}


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str  # the words to remove, exactly as typed
    start: int
    end: int

    @property
    def message(self) -> str:
        return f'Remove "{self.text}": it looks like {KIND_LABELS[self.kind]}.'


# Ten digits, optionally split by single spaces or hyphens, not touching further digits directly.
_TEN_DIGITS = re.compile(r"(?<!\d)(?=(\d(?:[ -]?\d){9})(?!\d))")

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_MONTH_NUMBER = {name: number for number, name in enumerate(calendar.month_abbr) if name}  # "Jan" -> 1
_DAY = r"(?:[012]?\d|3[01])(?:st|nd|rd|th)?"
_FULL_DATE = re.compile(
    r"(?<![\w/.-])(?:"
    r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4}|\d{2})"  # 12/03/1956, 12-3-56, 01.02.2026
    r"|(?P<iy>\d{4})(?P<is>[/.-])(?P<im>\d{1,2})(?P=is)(?P<id>\d{1,2})"  # 1956-03-12, 1956/03/12
    rf"|(?P<nd>{_DAY})\s+(?:of\s+)?(?P<nm>{_MONTHS})\.?,?\s+(?P<ny>\d{{4}}|'\d{{2}})"  # 12 March 1956, 12th of Mar '56
    rf"|(?P<am>{_MONTHS})\.?\s+(?P<ad>{_DAY}),?\s+(?P<ay>\d{{4}})"  # March 12, 1956
    rf"|(?P<jd>\d{{1,2}})(?P<js>[/-])(?P<jm>{_MONTHS})(?P=js)(?P<jy>\d{{4}}|\d{{2}})"  # 12-Mar-1956, 12/Mar/56
    r"|(?P<sd>\d{1,2}) (?P<sm>\d{1,2}) (?P<sy>(?:19|20)\d{2})"  # 12 03 1956: as the portal's own date input shows dates
    r")(?![\w/-])",
    re.IGNORECASE,
)
_DOB_WORDS = r"d[./]?o[./]?b\.?|date[\s-]+of[\s-]+birth|birth\s?date|born(?:\s+(?:on|in))?(?:\s+the)?"  # d/o/b, born on the
_DATEISH = (
    rf"{_DAY}\s+(?:of\s+)?(?:{_MONTHS})\.?(?:,?\s+(?:\d{{4}}|'\d{{2}}))?"
    rf"|(?:{_MONTHS})\.?\s+(?:{_DAY},?\s+)?\d{{4}}"
    rf"|\d{{1,2}}[/-](?:{_MONTHS})[/-](?:\d{{4}}|\d{{2}})"
    r"|\d{1,2} \d{1,2} (?:\d{4}|\d{2})"  # 12 03 1956, as the date input's boxes
    r"|\d{1,2} ?[/.-] ?\d{1,2} ?[/.-] ?(?:\d{4}|\d{2})"  # 12 / 03 / 2019
    r"|\d{6}(?:\d{2})?"  # 120356, 12031956: after birth wording, a date run together
    r"|\d{1,4}(?:[/.-]\d{1,4}){1,2}|(?:19|20)\d{2}"
)
_DOB = re.compile(rf"\b(?:{_DOB_WORDS})\s*[:/\-]?\s*(?:{_DATEISH})(?![\w/])", re.IGNORECASE)
# "b." is birth wording only when a full date or a year follows it at once: "(b. 12/03/1956)", "b. 1956".
_BORN_ABBREVIATED = re.compile(
    r"(?<![\w.])b\.\s?(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2}"
    rf"|{_DAY}\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+(?:\d{{4}}|'\d{{2}})|(?:{_MONTHS})\.?\s+(?:{_DAY},?\s+)?\d{{4}}|(?:19|20)\d{{2}})"
    r"(?![\w/])",
    re.IGNORECASE,
)

# Context around a date, each read in a bounded window.
_WINDOW = 60  # characters read on each side of a date
# "D.O.B. 12/03/2019", "Mrs. Smith" and "Dr. Patel" do not end a clause.
_CLAUSE_END = re.compile(r"[;!?\n]|(?<![A-Z.])(?<!\bMrs)(?<!\bMr)(?<!\bMs)(?<!\bMx)(?<!\bDr)(?<!\bProf)\.\s")
_BIRTH_WORDS = re.compile(r"\b(?:d[./]?o[./]?b\b\.?|date[\s-]+of[\s-]+birth|birth\s?date|birthday|born)", re.IGNORECASE)
# Birth wording just after a date, ending there: "12/03/2019 (DOB)", "12/03/2019 - date of birth." ("DOB check" is not).
_BIRTH_AFTER = re.compile(
    r"\s*[(\[,:–-]?\s*(?:d[./]?o[./]?b\b\.?|date\s+of\s+birth|birth\s?date|born\b)\s*(?:[)\],;:.]|$)", re.IGNORECASE
)
_WORD = re.compile(r"[\w'’/-]+")
_EVENT_WORDS = re.compile(
    r"\b(?:seen|saw|see|review(?:ed)?|clinic|attend(?:ed|ance)?|appointment|appt|admi(?:tted|ssion)|discharged?|"
    r"inject(?:ed|ion)s?|procedure|performed|done|listed|block|denervation|rfa?|ablation|mri|ct|scan(?:ned)?|"
    r"x-?ray|trial|implant(?:ed)?|follow[- ]?up|f/u|referr(?:ed|al)|letter|mdt|started|stopped|(?:re)?commenced|"
    r"reduced|increased|tapered|telephone|phone|video|visit|surgery|operation|op|on|dated|since|until|from|"
    r"next|last|planned|booked|due|checked|confirmed|verified)\b",
    re.IGNORECASE,
)
_AGE = re.compile(
    r"\b(?:(?i:aged?)\s*:?\s*(?P<a>\d{1,3})\b"
    r"|(?P<b>\d{1,3})\s*-?\s*(?i:years?|yrs?|yr)[\s-]*(?i:old)\b"
    r"|(?P<c>\d{1,3})\s?(?i:yo|y/o|y\.o\.)(?!\w)"
    r"|(?P<d>\d{1,3})[MF]\b)"  # "67M", "6F": capitals only, as "50m" is a distance
)
_TITLE_BEFORE = re.compile(
    r"(?<![\w.])(?P<title>Mrs|Mr|Ms|Miss|Mx|Master|Dr|Prof|Professor|MRS|MISS)\.?\s+"  # as typed: "MS Contin" is a drug
    r"(?P<name>(?:[A-Z]\.?\s+){0,2}(?:[A-Z][\w'’-]*\s+)?[A-Z][\w'’-]*)"
    r"(?P<sep>\s*[,:–-]?\s*[(\[]?\s*)\Z"
)
_NAME_BEFORE = re.compile(
    r"(?<![\w'’-])(?P<first>[A-Z][a-z'’-]+),?\s+(?P<last>[A-Z][A-Za-z'’-]+)(?P<sep>\s*[,:–-]?\s*[(\[]?\s*)\Z"
)
_DOCTOR_TITLES = {"dr", "prof", "professor"}
# Words before a title that make its bearer a clinician ("seen by Mr Jones", "with Miss Patel"): weighed as a doctor.
_CLINICIAN_LEAD = re.compile(r"\b(?:by|with|from|under|to|cc|per|consultant|surgeon|surgeons|colleague)\s*\Z", re.IGNORECASE)
# Words that give a date as the value of the words before it: "DOB recorded as 12/03/2019".
_VALUE_WORDS = frozenset({"as", "is", "was", "of"})
# Endings of clinical words, which make no name: "Lumbar Facet Joint Injections (12/03/2026)".
_CLINICAL_ENDINGS = tuple("ions ation ectomy otomy plasty itis algia opathy ology ography ular ural aine".split())
# Capitalised words of a place, a service, a heading or a time, which make no person's name.
_NOT_NAMES = frozenset(
    """
    a an the at in on of to for from via by with and or but no not our my his her their this that these those
    after before during since until next last first second third new follow review reviewed seen clinic clinics
    pain service team ward wards unit units theatre theatres day case cases list hospital hospitals infirmary royal
    general university college centre center trust health board nhs mdt meeting department dept outpatient
    outpatients inpatient inpatients acute chronic spinal cord stimulator trial injection block procedure plan
    management programme program cbt mri ct scan report letter referral gp practice surgery community medical
    medicine anaesthesia anaesthetic anaesthetics radiology physiotherapy psychology pharmacy palliative cancer
    spine orthopaedic orthopaedics neurology neurosurgery rheumatology emergency icu itu hdu recovery
    january february march april may june july august september october november december jan feb mar apr jun
    jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu
    thurs fri sat sun today yesterday tomorrow morning afternoon evening session sessions week weeks month months
    year years date dates dated note notes summary reflection cbd dops cex acex msf essr mtr halo arcp sle
    nerve nerves branch facet facets joint joints lumbar cervical thoracic sacral sacroiliac caudal epidural epidurals
    radiofrequency denervation stimulation ablation genicular occipital stellate ganglion plexus coeliac pudendal
    suprascapular intrathecal pump refill ketamine lidocaine infusion botulinum toxin trigger point medial pulsed
    cooled knee hip shoulder back neck head headache migraine abdominal pelvic chest wall post surgical neuropathic
    sickle cell crisis teaching course study exam audit quality improvement block blocks root roots disc spinal
    opioid opioids taper tapering psychology physio assessment group therapy injections nurse sister specialist
    consultant registrar trainee supervisor educational clinical tutor lead director
    london manchester leeds glasgow edinburgh cardiff belfast birmingham bristol liverpool sheffield newcastle
    north south east west central st saint kings queens guys thomas barts addenbrookes
    """.split()
)


def nhs_check_digit(first_nine: str) -> int | None:
    """Modulus-11 check digit for nine digits; None when the result would be 10 (no valid number)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def is_valid_nhs_number(digits: str) -> bool:
    digits = re.sub(r"[ -]", "", digits)
    if len(digits) != 10 or not digits.isdigit():
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def _is_ddmmyy(digits: str) -> bool:
    day, month, year = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
    for century in (1900, 2000):
        try:
            date(century + year, month, day)
            return True
        except ValueError:
            continue
    return False


def years_from(day: date, years: int) -> date:
    """The same calendar day `years` later (earlier when negative); 29 February falls back to the 28th."""
    year = min(max(day.year + years, 1), 9999)
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def _year(written: str, today: date) -> int:
    """A year as written: four digits as they are; two digits ('56, 26) in the century that keeps the date from
    lying beyond the event years ahead."""
    digits = written.lstrip("'")
    if len(digits) == 4:
        return int(digits)
    year = 2000 + int(digits)
    return year if year <= today.year + EVENT_YEARS_AHEAD.value else year - 100


def written_date(match: re.Match, today: date) -> date | None:
    """The date a _FULL_DATE match writes, or None when it writes none (a 13th month, day 0). A day beyond the
    month's last (31/02) is read as its last day: still a date someone meant."""
    groups = match.groupdict()
    if groups["d"]:
        day, month, written_year = int(groups["d"]), int(groups["m"]), groups["y"]
    elif groups["iy"]:
        day, month, written_year = int(groups["id"]), int(groups["im"]), groups["iy"]
    elif groups["sd"]:
        day, month, written_year = int(groups["sd"]), int(groups["sm"]), groups["sy"]
    else:
        named_day, named_month, written_year = (
            (groups["nd"], groups["nm"], groups["ny"])
            if groups["nd"]
            else (groups["jd"], groups["jm"], groups["jy"])
            if groups["jd"]
            else (groups["ad"], groups["am"], groups["ay"])
        )
        day, month = int(re.sub(r"\D", "", named_day)), _MONTH_NUMBER[named_month[:3].title()]
    year = _year(written_year, today)
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1 <= year <= 9999):
        return None
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _clause_before(text: str, start: int) -> str:
    """The words before `start` in its own clause, at most _WINDOW characters of them."""
    window = text[max(0, start - _WINDOW) : start]
    ends = [m.end() for m in _CLAUSE_END.finditer(window)]
    return window[ends[-1] :] if ends else window


def _clause_after(text: str, end: int) -> str:
    window = text[end : end + _WINDOW]
    first = _CLAUSE_END.search(window)
    return window[: first.start()] if first else window


def _age_at(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _is_name(match: re.Match | None, before: str) -> bool:
    """Whether two capitalised words just before a date are a person's name: neither is a word of a place, a
    service, a heading or a time, nor an acronym or a clinical word, nor does such a word lead to them ("at Royal
    Oldham", "the Pain Clinic")."""
    if match is None:
        return False
    words = (match["first"], match["last"])
    if any(w.lower() in _NOT_NAMES or w.isupper() or w.lower().endswith(_CLINICAL_ENDINGS) for w in words):
        return False
    leading = before[: match.start()].split()
    return not (leading and leading[-1].lower() in _NOT_NAMES)


def date_score(text: str, start: int, end: int, when: date, today: date) -> int:
    """How strongly the words around the date written at text[start:end] make it a date of birth (WEIGHTS)."""
    before, after = _clause_before(text, start), _clause_after(text, end)
    score, cue_end = 0, 0
    births = list(_BIRTH_WORDS.finditer(before))
    if births and len(_WORD.findall(before[births[-1].end() :])) <= 3:
        score += WEIGHTS["birth_words"]
        cue_end = births[-1].end()
    elif _BIRTH_AFTER.match(text, end, end + 30):
        score += WEIGHTS["birth_words"]
    name = _TITLE_BEFORE.search(before)
    last = name["name"].split()[-1] if name else ""
    if last and (_EVENT_WORDS.fullmatch(last) or last.lower() in _NOT_NAMES):
        name = None  # "Mr Smith's MRI 12/03/2026": the date is the scan's
    if name:
        clinician = name["title"].lower() in _DOCTOR_TITLES or _CLINICIAN_LEAD.search(before, 0, name.start())
        withheld = len(name["name"].strip(". ")) == 1  # "Mr X": the name is already withheld
        score += WEIGHTS["name" if withheld else "doctor_title" if clinician else "patient_title"]
    else:
        name = _NAME_BEFORE.search(before)
        if _is_name(name, before):
            score += WEIGHTS["name"]
        else:
            name = None
    if name:
        cue_end = len(before)
        if re.search(r"[(\[]", name["sep"]):
            score += WEIGHTS["brackets_after_name"]
    ages_before = list(_AGE.finditer(before))
    ages = [int(next(value for value in m.groups() if value)) for m in (*ages_before, *_AGE.finditer(after))]
    if ages:
        score += WEIGHTS["age_words"]
        if any(abs(_age_at(when, today) - age) <= 1 for age in ages):
            score += WEIGHTS["age_matches"]
        cue_end = max([cue_end] + [m.end() for m in ages_before])
    # Words of an event between the last cue and the date: "born in Leeds, seen 12/03/2026", "aged 6, MRI 12/03/2026".
    between = _WORD.findall(before[cue_end:])[-3:]
    if _EVENT_WORDS.search(" ".join(between)) and not _VALUE_WORDS & {w.lower() for w in between}:
        score += WEIGHTS["event_words"]
    return score


def _date_findings(text: str, today: date) -> list[Finding]:
    earliest, latest = years_from(today, -EVENT_YEARS_BACK.value), years_from(today, EVENT_YEARS_AHEAD.value)
    found = []
    for match in _FULL_DATE.finditer(text):
        when = written_date(match, today)
        if when is None:
            continue
        if when < earliest:
            kind = "date_of_birth"
        elif when > latest:
            kind = "full_date"
        elif date_score(text, match.start(), match.end(), when, today) >= BIRTH_SCORE:
            kind = "date_of_birth"
        else:
            continue
        found.append(Finding(kind, match.group(0), match.start(), match.end()))
    return found


def _number_findings(text: str) -> list[Finding]:
    found = []
    for match in _TEN_DIGITS.finditer(text):
        words = match.group(1)
        digits = re.sub(r"[ -]", "", words)
        start = match.start(1)
        if digits.startswith("999") or is_valid_nhs_number(digits):
            found.append(Finding("nhs_number", words, start, start + len(words)))
        elif _is_ddmmyy(digits):
            found.append(Finding("chi_number", words, start, start + len(words)))
    return found


_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?:GIR ?0AA|[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRV-Y])"
    r" ?\d[ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)$")  # lower case only: "T12 3rd" is prose, "L4 5TH" a postcode

_HOSPITAL_WORDS = (
    r"(?:hospital|hosp\.?|unit|case|patient|pt\.?|medical\s+record|record|casenote|case\s+note|pas)"
    r"\s*(?:no\.?|number|num\.?|#|id)|mrn|k\s*no\.?"
)
_HOSPITAL_KEYED = re.compile(rf"\b(?:{_HOSPITAL_WORDS})\s*[:#.]?\s*[A-Z]{{0,3}}\s?\d{{5,10}}(?!\d)", re.IGNORECASE)
_HOSPITAL_BARE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,3}\d{6,}(?![A-Za-z0-9])", re.IGNORECASE)


# Every identifier this module finds holds a digit (a number, a postcode, a date with its day or year in figures), so
# text without one holds none: find_identifiers answers it without running each pattern over it (a test checks the
# patterns find nothing in text without digits).
_DIGIT = re.compile(r"\d")


def find_identifiers(text: str | None, today: date | None = None) -> list[Finding]:
    """Every span of `text` that looks like a patient identifier, in reading order, without overlaps. Dates are
    judged against `today` (the app passes its UK calendar day; the machine's date when none is given)."""
    if not text or not _DIGIT.search(text):
        return []
    return _scan(text, today or date.today())


def _scan(text: str, today: date) -> list[Finding]:
    found = _number_findings(text)
    found += [Finding("date_of_birth", m.group(0), m.start(), m.end()) for m in _DOB.finditer(text)]
    found += [
        Finding("date_of_birth", m.group(0), m.start(), m.end())
        for m in _BORN_ABBREVIATED.finditer(text)
        if m.group(0).startswith("b")
    ]
    found += _date_findings(text, today)
    found += [
        Finding("postcode", m.group(0), m.start(), m.end()) for m in _POSTCODE.finditer(text) if not _ORDINAL.search(m.group(0))
    ]
    found += [
        Finding("hospital_number", m.group(0), m.start(), m.end())
        for m in (*_HOSPITAL_KEYED.finditer(text), *_HOSPITAL_BARE.finditer(text))
    ]
    # Earliest first, longest first at the same place; drop anything inside an earlier finding.
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Finding] = []
    for finding in found:
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(finding)
    return kept


def describe(findings: list[Finding]) -> str:
    """One message naming every span to remove."""
    return " ".join([f.message for f in findings] + [TAIL])
