"""Patient-identifier checker for free text: NHS/CHI numbers, dates of birth, postcodes and hospital numbers.
Pure and framework-free; the app wraps it in a form validator (trainee_portal/platform/identifiers.py).

Policy on dates: any full date with a year (12/03/1956, 12 March 1956, 1956-03-12) is refused, because the
entry already has its own date field and a full date in narrative is how birth dates leak; a month and year
("March 2026", "03/2026") or a day and month ("12 March") is allowed, unless it follows birth wording (DOB, born).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

TAIL = "Free text must not identify a patient."

KIND_LABELS = {
    "nhs_number": "an NHS number",
    "chi_number": "a CHI number",
    "date_of_birth": "a date of birth",
    "full_date": "a full date (a possible date of birth); give the month and year only",
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
_DAY = r"(?:[012]?\d|3[01])(?:st|nd|rd|th)?"
_FULL_DATE = re.compile(
    r"(?<![\w/.-])(?:"
    r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4}|\d{2})"  # 12/03/1956, 12-3-56
    r"|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"  # 1956-03-12
    rf"|{_DAY}\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+(?:\d{{4}}|'\d{{2}})"  # 12 March 1956, 12th of Mar '56
    rf"|(?:{_MONTHS})\.?\s+{_DAY},?\s+\d{{4}}"  # March 12, 1956
    r")(?![\w/-])",
    re.IGNORECASE,
)
_DOB_WORDS = r"d\.?o\.?b\.?|date\s+of\s+birth|birth\s?date|born(?:\s+(?:on|in))?"
_DATEISH = (
    rf"{_DAY}\s+(?:of\s+)?(?:{_MONTHS})\.?(?:,?\s+(?:\d{{4}}|'\d{{2}}))?"
    rf"|(?:{_MONTHS})\.?\s+(?:{_DAY},?\s+)?\d{{4}}"
    r"|\d{1,4}(?:[/.-]\d{1,4}){1,2}|(?:19|20)\d{2}"
)
_DOB = re.compile(rf"\b(?:{_DOB_WORDS})\s*[:\-]?\s*(?:{_DATEISH})(?![\w/])", re.IGNORECASE)

_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?:GIR ?0AA|[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRV-Y])"
    r" ?\d[ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)$")  # lower case only: "T12 3rd" is prose, "L4 5TH" a postcode

_HOSPITAL_WORDS = (
    r"(?:hospital|hosp\.?|unit|case|patient|pt\.?|medical\s+record|record|casenote|case\s+note)"
    r"\s*(?:no\.?|number|num\.?|#|id)|mrn|k\s*no\.?"
)
_HOSPITAL_KEYED = re.compile(rf"\b(?:{_HOSPITAL_WORDS})\s*[:#.]?\s*[A-Z]{{0,3}}\s?\d{{5,10}}(?!\d)", re.IGNORECASE)
_HOSPITAL_BARE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,3}\d{6,}(?![A-Za-z0-9])", re.IGNORECASE)


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


def _valid_numeric_date(match: re.Match) -> bool:
    if match.group("d"):
        day, month = int(match.group("d")), int(match.group("m"))
    elif match.group("iy"):
        day, month = int(match.group("id")), int(match.group("im"))
    else:
        return True  # a named month: the regex already bounds the day
    return 1 <= day <= 31 and 1 <= month <= 12


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


def find_identifiers(text: str | None) -> list[Finding]:
    """Every span of `text` that looks like a patient identifier, in reading order, without overlaps."""
    if not text:
        return []
    found = _number_findings(text)
    found += [Finding("date_of_birth", m.group(0), m.start(), m.end()) for m in _DOB.finditer(text)]
    found += [Finding("full_date", m.group(0), m.start(), m.end()) for m in _FULL_DATE.finditer(text) if _valid_numeric_date(m)]
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
