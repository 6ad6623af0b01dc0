"""The verify page's forms: a code to look up, and a PDF file to compare with the one issued."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, ValidationError

from trainee_portal.platform.forms import PortalForm
from trainee_portal.verify.services import normalise_code


class CodeForm(PortalForm):
    code = StringField(
        "Verification code",
        description="As printed at the top of the document, for example K7QF-2M9X-WP.",
        validators=[DataRequired("Enter the verification code printed on the document")],
    )

    def validate_code(self, field):
        if normalise_code(field.data) is None:
            raise ValidationError("Enter the code as printed on the document: 10 letters and digits, like K7QF-2M9X-WP")


class FileCheckForm(PortalForm):
    file = FileField(
        "The PDF file you were given",
        description="It is compared byte for byte with the document issued with this code. Nothing is kept. At most 10 MB.",
        render_kw={"accept": ".pdf,application/pdf"},
        validators=[FileRequired("Choose the PDF file to check")],
    )
