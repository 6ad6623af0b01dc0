"""The upload form of a logbook import."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import ValidationError

from competencies import imports as rules
from trainee_portal.logbook.attachments import name_problem


class UploadForm(FlaskForm):
    file = FileField(
        "CSV file",
        description="Columns: date, type, title, competencies, and optionally setting, hospital, "
        "supervision_level (1, 2a, 2b, 3, 4 or na for not applicable), technique, guidance, notes, reflection. "
        f"At most {rules.MAX_ROWS:,} rows and {rules.MAX_FILE_BYTES // 1024 // 1024} MB.",
        render_kw={"accept": ".csv,text/csv"},
        validators=[FileRequired("Choose a CSV file to import")],
    )

    def validate_file(self, field):
        if not field.data.filename.lower().endswith(".csv"):
            raise ValidationError("The file must be a CSV file (ending .csv)")
        problem = name_problem(field.data.filename)
        if problem:
            raise ValidationError(problem)
