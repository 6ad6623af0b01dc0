"""The date input every form uses: Day, Month and Year boxes (the NHS.UK date input), a single ISO value as scripts
send it, a clear message for each way a date can be wrong (never a 500), the boxes prefilled, the error summary
linking to the box with the problem."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.validators import InputRequired, Optional

from tests.app.logbook.helpers import form_data
from tests.factories import TraineeFactory
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry
from trainee_portal.platform.fields import CalendarDateField, example_hint


class ExamForm(Form):
    sits_on = CalendarDateField("Exam date", validators=[InputRequired("Enter the exam date.")])
    ends_on = CalendarDateField("Ends on", validators=[Optional()])


def _form(**values) -> ExamForm:
    return ExamForm(MultiDict(values))


def _parts(day="", month="", year="", name="sits_on") -> dict:
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


def test_three_boxes_make_a_date():
    form = _form(**_parts("30", "11", "2026"))
    assert form.validate(), form.errors
    assert form.sits_on.data == date(2026, 11, 30) and form.ends_on.data is None


def test_leading_zeros_and_spaces_around_each_box_are_fine():
    form = _form(**_parts(" 03 ", "\t04", "2026 "))
    assert form.validate(), form.errors
    assert form.sits_on.data == date(2026, 4, 3)


@pytest.mark.parametrize("value", ["2026-11-30", "30/11/2026", " 2026-11-30 "])
def test_a_single_value_as_scripts_post_it_still_works(value):
    form = _form(sits_on=value)
    assert form.validate(), form.errors
    assert form.sits_on.data == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("parts", "message", "boxes"),
    [
        (_parts("30", "11", ""), "Exam date must include a year", ("year",)),
        (_parts("", "11", "2026"), "Exam date must include a day", ("day",)),
        (_parts("30", "", ""), "Exam date must include a month and year", ("month", "year")),
        (_parts("31", "2", "2026"), "Enter a real date for the exam date: February 2026 has no day 31", ("day",)),
        (_parts("0", "2", "2026"), "Enter a real date for the exam date: February 2026 has no day 0", ("day",)),
        (_parts("12", "13", "2026"), "Enter a real date for the exam date: the month must be from 1 to 12", ("month",)),
        (_parts("30", "11", "26"), "Exam date: the year must include 4 numbers, for example 2026", ("year",)),
        (_parts("30", "11", "0000"), "Exam date: the year must include 4 numbers, for example 2026", ("year",)),
        (_parts("thirty", "11", "2026"), "Enter a real date for the exam date: the day must be a number", ("day",)),
        (
            _parts("30", "Nov", "2O26"),
            "Enter a real date for the exam date: the month and year must be a number",
            ("month", "year"),
        ),
        (_parts("-1", "11", "2026"), "Enter a real date for the exam date: the day must be a number", ("day",)),
    ],
)
def test_each_wrong_date_has_its_own_message_and_highlights_its_boxes(parts, message, boxes):
    form = _form(**parts)
    assert not form.validate()
    assert form.sits_on.errors == [message]
    assert form.sits_on.error_parts == boxes
    assert form.sits_on.error_anchor == f"sits_on-{boxes[0]}"


def test_nothing_typed_gives_the_fields_own_required_message_or_passes_when_optional():
    form = _form(**_parts(), **_parts(name="ends_on"))
    assert not form.validate()
    assert form.sits_on.errors == ["Enter the exam date."]
    assert form.ends_on.errors == [] and form.ends_on.data is None


@pytest.mark.parametrize("value", ["2026-02-30", "tomorrow", "30/11/26", "2026-11-30T10:00"])
def test_a_wrong_single_value_is_a_message_not_an_exception(value):
    form = _form(sits_on=value)
    assert not form.validate()
    assert form.sits_on.errors == ["Enter a real date for the exam date, for example 30 11 2026"]
    assert form.sits_on.error_anchor == "sits_on-day"


def test_the_boxes_show_what_was_typed_or_the_date_held():
    typed = _form(**_parts("31", "2", "2026"))
    typed.validate()
    assert typed.sits_on.part_values() == {"day": "31", "month": "2", "year": "2026"}
    held = ExamForm(data={"sits_on": date(2026, 3, 4)})
    assert held.sits_on.part_values() == {"day": "4", "month": "3", "year": "2026"}
    assert ExamForm().sits_on.part_values() == {"day": "", "month": "", "year": ""}


def test_the_hint_shows_the_example_in_the_order_of_the_boxes():
    assert example_hint() == "For example, 30 11 2026"
    assert ExamForm().sits_on.hint_text("Not in the future.") == "Not in the future. For example, 30 11 2026"
    assert ExamForm().sits_on.hint_text() == "For example, 30 11 2026"


# --- on a page: the evidence form ---------------------------------------------------------------------------


def _evidence_post(client, **overrides):
    data = form_data(**overrides)
    return client.post("/logbook/new", data=data, content_type="multipart/form-data")


def _html(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _entries(trainee):
    return db.session.scalars(select(EvidenceEntry).where(EvidenceEntry.trainee_id == trainee.id)).all()


def test_the_evidence_form_shows_three_labelled_boxes_prefilled_with_today(client, login):
    login(TraineeFactory())
    page = _html(client.get("/logbook/new?kind=logbook.clinic"))
    today = clock.today()
    assert 'type="date"' not in page
    assert re.search(r'<legend class="nhsuk-fieldset__legend" ?> Date </legend>', page)
    for part, label, value in (("day", "Day", today.day), ("month", "Month", today.month), ("year", "Year", today.year)):
        assert f'<label class="nhsuk-label nhsuk-date-input__label" for="occurred_on-{part}" > {label} </label>' in page
        assert f'id="occurred_on-{part}" name="occurred_on-{part}" type="text" value="{value}"' in page
    assert "Not in the future. For example, 30 11 2026" in page
    assert 'inputmode="numeric"' in page


def test_the_evidence_form_saves_a_date_typed_in_three_boxes(client, login):
    trainee = TraineeFactory()
    login(trainee)
    when = clock.today() - timedelta(days=3)
    data = form_data()
    del data["occurred_on"]
    data.update({"occurred_on-day": str(when.day), "occurred_on-month": str(when.month), "occurred_on-year": str(when.year)})
    response = client.post("/logbook/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    [entry] = _entries(trainee)
    assert entry.occurred_on == when


def test_an_impossible_date_comes_back_with_the_summary_linking_to_the_day_box(client, login):
    trainee = TraineeFactory()
    login(trainee)
    data = form_data()
    del data["occurred_on"]
    data.update({"occurred_on-day": "31", "occurred_on-month": "2", "occurred_on-year": "2026"})
    response = client.post("/logbook/new", data=data, content_type="multipart/form-data")
    page = _html(response)
    assert response.status_code == 400 and _entries(trainee) == []
    assert 'href="#occurred_on-day" > Enter a real date: February 2026 has no day 31 </a>' in page
    assert "nhsuk-form-group nhsuk-form-group--error" in page
    day = re.search(r'<input[^>]*id="occurred_on-day"[^>]*>', page).group(0)
    year = re.search(r'<input[^>]*id="occurred_on-year"[^>]*>', page).group(0)
    assert "nhsuk-input--error" in day and 'value="31"' in day
    assert "nhsuk-input--error" not in year and 'value="2026"' in year


def test_a_missing_year_links_to_the_year_box(client, login):
    login(TraineeFactory())
    data = form_data()
    del data["occurred_on"]
    data.update({"occurred_on-day": "3", "occurred_on-month": "4", "occurred_on-year": ""})
    page = _html(client.post("/logbook/new", data=data, content_type="multipart/form-data"))
    assert 'href="#occurred_on-year" > Date must include a year </a>' in page


def test_a_future_date_highlights_all_three_boxes(client, login):
    login(TraineeFactory())
    later = clock.today() + timedelta(days=5)
    page = _html(_evidence_post(client, occurred_on=later.isoformat()))
    assert 'href="#occurred_on-day" > The date cannot be in the future' in page
    boxes = re.findall(r'<input[^>]*id="occurred_on-(?:day|month|year)"[^>]*>', page)
    assert len(boxes) == 3 and all("nhsuk-input--error" in box for box in boxes)


@pytest.mark.parametrize(
    "parts",
    [
        {"occurred_on-day": "x" * 5000, "occurred_on-month": "1", "occurred_on-year": "2026"},
        {"occurred_on-day": "99999999999999999999", "occurred_on-month": "1", "occurred_on-year": "2026"},
        {"occurred_on-day": "1", "occurred_on-month": "1", "occurred_on-year": "99999"},
        {"occurred_on-day": "١", "occurred_on-month": "1", "occurred_on-year": "2026"},  # an Arabic-Indic digit
        {"occurred_on-year": "2026"},  # the day and month boxes not sent at all
    ],
)
def test_odd_boxes_are_a_clear_message_never_a_500(client, login, parts):
    login(TraineeFactory())
    data = form_data()
    del data["occurred_on"]
    data.update(parts)
    response = client.post("/logbook/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert re.search(
        r'class="nhsuk-list nhsuk-error-summary__list"> <li> <a href="#occurred_on-(day|month|year)" > \w', _html(response)
    )


def test_the_logbook_filter_reads_dates_from_the_boxes_in_the_address(client, login):
    login(TraineeFactory())
    response = client.get(
        "/logbook/?date_from-day=1&date_from-month=1&date_from-year=2026&date_to-day=31&date_to-month=2&date_to-year=2026"
    )
    page = _html(response)
    assert response.status_code == 200
    assert "Enter a real date for the last date: February 2026 has no day 31" in page
    ok = client.get("/logbook/?date_from-day=1&date_from-month=1&date_from-year=2026")
    assert ok.status_code == 200 and 'id="date_from-day" name="date_from-day" type="text" value="1"' in _html(ok)


def test_a_draft_restores_what_was_typed_in_the_date_boxes(client, login):
    import json

    login(TraineeFactory())
    fields = {"title": "Half-written clinic", "occurred_on-day": "31", "occurred_on-month": "2", "occurred_on-year": "2026"}
    saved = client.post(
        "/drafts/evidence-new",
        data=json.dumps({"fields": fields}),
        content_type="application/json",
        headers={"Accept": "application/json", "X-Requested-With": "fetch"},
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)
    page = _html(client.get("/logbook/new?restore=1"))
    assert 'id="occurred_on-day" name="occurred_on-day" type="text" value="31"' in page
    assert 'id="occurred_on-month" name="occurred_on-month" type="text" value="2"' in page
