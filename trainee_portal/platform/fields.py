"""Form fields shared by the features: a calendar date typed as the NHS.UK date input asks for it (day, month and
year in three boxes), or sent as one value the way scripts and the import send it (2026-11-30 or 30/11/2026)."""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime

from wtforms import DateField, EmailField
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Email, Length

PARTS = ("day", "month", "year")
_DIGITS = re.compile(r"[0-9]{1,9}")  # what a box may hold: ASCII digits, few enough to stay a small number
EXAMPLE = date(2026, 11, 30)  # the date every hint shows, written as the three boxes show it


def example_hint(when: date = EXAMPLE) -> str:
    """The hint under a date input, in the order and form of its three boxes: "For example, 30 11 2026"."""
    return f"For example, {when.day} {when.month} {when.year}"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class CalendarDateField(DateField):
    """A date in three boxes: `<name>-day`, `<name>-month` and `<name>-year` (the NHS.UK date input, the same in
    every browser and locale). A single `<name>` value (2026-11-30 or 30/11/2026) is accepted too. Errors follow
    the NHS.UK pattern ("Date must include a year", "Date must be a real date") and say which boxes are wrong
    (`error_parts`), so the page highlights those and the error summary links to the first of them."""

    def __init__(self, label=None, validators=None, noun=None, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%d", "%d/%m/%Y"])
        super().__init__(label, validators, **kwargs)
        self.noun = noun  # how messages name the date when the label alone reads badly ("From")
        self.parts: dict[str, str] | None = None  # what was typed in each box, as typed (spaces trimmed)
        self.error_parts: tuple[str, ...] = ()

    # --- reading what was sent -----------------------------------------------------------------------------

    def process(self, formdata, data=unset_value, extra_filters=None):
        """As WTForms' Field.process, reading the three boxes when they were sent and the single value otherwise."""
        self.process_errors = []
        self.parts = None
        self.error_parts = ()
        if data is unset_value:
            try:
                data = self.default()
            except TypeError:
                data = self.default
        self.object_data = data
        try:
            self.process_data(data)
        except ValueError as e:
            self.process_errors.append(e.args[0])

        if formdata is not None:
            names = [f"{self.name}-{part}" for part in PARTS]
            if any(name in formdata for name in names):
                self.parts = {part: (formdata.get(name) or "").strip() for part, name in zip(PARTS, names, strict=True)}
                typed = " ".join(self.parts[part] for part in PARTS if self.parts[part])
                self.raw_data = [typed]  # empty when no box was filled: required and optional rules see no input
                self.data = None
                try:
                    self.data = self._from_parts(self.parts)
                except ValueError as e:
                    self.process_errors.append(e.args[0])
            else:
                self.raw_data = [value.strip() for value in formdata.getlist(self.name)] if self.name in formdata else []
                try:
                    self.process_formdata(self.raw_data)
                except ValueError as e:
                    self.process_errors.append(e.args[0])

        try:
            for filter_ in itertools.chain(self.filters, extra_filters or []):
                self.data = filter_(self.data)
        except ValueError as e:
            self.process_errors.append(e.args[0])

    def process_formdata(self, valuelist):
        """One value: 2026-11-30 (as scripts and older pages send it) or 30/11/2026."""
        if not valuelist or not valuelist[0]:
            self.data = None
            if valuelist:
                raise ValueError(f"Enter {self._noun()}")
            return
        self.data = None
        for fmt in self.strptime_format:
            try:
                self.data = datetime.strptime(valuelist[0], fmt).date()
                return
            except ValueError:
                continue
        self.error_parts = PARTS
        raise ValueError(f"Enter a real date{self._for()}, for example {EXAMPLE.day} {EXAMPLE.month} {EXAMPLE.year}")

    def _from_parts(self, parts: dict[str, str]) -> date | None:
        missing = [part for part in PARTS if not parts[part]]
        if len(missing) == 3:
            return None  # nothing typed: the field's own required or optional rule decides
        if missing:
            self.error_parts = tuple(missing)
            raise ValueError(f"{self._label()} must include a {_join(missing)}")
        not_numbers = [part for part in PARTS if not _DIGITS.fullmatch(parts[part])]
        if not_numbers:
            self.error_parts = tuple(not_numbers)
            raise ValueError(f"Enter a real date{self._for()}: the {_join(not_numbers)} must be a number")
        day, month, year = (int(parts[part]) for part in PARTS)
        if len(parts["year"]) != 4 or year < 1:
            self.error_parts = ("year",)
            raise ValueError(f"{self._label()}: the year must include 4 numbers, for example {EXAMPLE.year}")
        if not 1 <= month <= 12:
            self.error_parts = ("month",)
            raise ValueError(f"Enter a real date{self._for()}: the month must be from 1 to 12")
        try:
            return date(year, month, day)
        except (ValueError, OverflowError):
            self.error_parts = ("day",)
            raise ValueError(f"Enter a real date{self._for()}: {date(year, month, 1):%B %Y} has no day {day}") from None

    # --- what the page shows ----------------------------------------------------------------------------------

    def _label(self) -> str:
        return self.label.text if self.label else "Date"

    def _for(self) -> str:
        """What follows "Enter a real date": ' for the exam date', or nothing when the field is just "Date"."""
        noun = self._noun()
        return "" if noun == "the date" else f" for {noun}"

    def _noun(self) -> str:
        """The date as a sentence names it: the field's noun, else "the" and its label ("the exam date")."""
        if self.noun:
            return self.noun
        text = self._label()
        return "the " + (text[:1].lower() + text[1:] if text[1:2].islower() else text)

    def part_values(self) -> dict[str, str]:
        """What each box shows: what was typed when the form came back, else the date held (no leading zeros)."""
        if self.parts is not None:
            return dict(self.parts)
        if isinstance(self.data, date):
            return {"day": str(self.data.day), "month": str(self.data.month), "year": str(self.data.year)}
        return {part: "" for part in PARTS}

    @property
    def input_names(self) -> tuple[str, ...]:
        """Every name this field reads from a form: its three boxes and the single value."""
        return (self.name, *(f"{self.name}-{part}" for part in PARTS))

    def hint_text(self, hint: str | None = None) -> str:
        """The hint under the boxes: the page's own (or the field's description), then an example in their order."""
        text = (hint or self.description or "").strip()
        if "for example" in text.lower():
            return text
        return f"{text} {example_hint()}".strip()

    @property
    def error_anchor(self) -> str:
        """The box the error summary links to: the first with a problem, else the day."""
        return f"{self.id}-{(self.error_parts or PARTS)[0]}"

    def post_validate(self, form, validation_stopped):
        if not self.errors:
            self.error_parts = ()


# The shared field() macro picks a component by the field's class name: this one is the NHS.UK date input.
CalendarDateField.__name__ = "DateField"


def email_field(required_message: str, label: str = "Email address") -> EmailField:
    """A required email address: at most 254 characters (the longest an address can be) and well formed."""
    return EmailField(
        label,
        validators=[
            DataRequired(required_message),
            Length(max=254, message="Email addresses are at most 254 characters."),
            Email("Enter an email address in the correct format, like name@nhs.net."),
        ],
    )
