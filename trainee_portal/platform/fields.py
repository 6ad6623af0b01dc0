"""Form fields shared by the features: calendar dates typed the browser's way or the UK way."""

from __future__ import annotations

from wtforms import DateField, EmailField
from wtforms.validators import DataRequired, Email, Length


class CalendarDateField(DateField):
    """Accepts the browser's date input (2026-03-14) and the UK way of writing dates (14/03/2026)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%d", "%d/%m/%Y"])
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a real date, for example 14/03/2026") from None


# The shared field() macro picks a component by the field's class name: this one is a date input.
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
