"""The upload form of a logbook import, and the column-mapping form of a spreadsheet's import."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, ValidationError

from competencies import import_formats as formats
from competencies import imports as rules
from trainee_portal.logbook.attachments import name_problem
from trainee_portal.platform.forms import PortalForm


class UploadForm(PortalForm):
    source_format = RadioField(
        "Where the file comes from", choices=list(formats.FORMATS.items()), default=formats.PORTAL, validators=[]
    )
    file = FileField(
        "CSV file or spreadsheet",
        description="This logbook's own CSV: columns date, type, title, competencies, and optionally setting, "
        "hospital, supervision_level (1, 2a, 2b, 3, 4 or na for not applicable), technique, guidance, notes, "
        "reflection. An LLP export or another spreadsheet may be CSV or Excel (.xlsx): you choose what each column "
        f"holds next. At most {rules.MAX_ROWS:,} rows and {rules.MAX_FILE_BYTES // 1024 // 1024} MB.",
        render_kw={"accept": ".csv,.xlsx,text/csv"},
        validators=[FileRequired("Choose a CSV file or an Excel workbook to import")],
    )
    check_only = BooleanField("Check only: show what would be imported, and import nothing")

    def validate_file(self, field):
        problem = upload_name_problem(field.data.filename, self.source_format.data)
        if problem:
            raise ValidationError(problem)


def upload_name_problem(filename: str | None, source_format: str | None) -> str | None:
    """Why an upload's file name is refused (the page's form and the API ask alike): the format's kind of file, and
    no patient identifier in the name."""
    name = (filename or "").lower()
    if source_format == formats.PORTAL and not name.endswith(".csv"):
        return "The file must be a CSV file (ending .csv) for this logbook's own format: import a workbook as another spreadsheet"
    if not name.endswith((".csv", ".xlsx")):
        return "The file must be a CSV file (ending .csv) or an Excel workbook (ending .xlsx)"
    return name_problem(filename)


class MappingForm(PortalForm):
    """Only its CSRF token is a WTForms field: the page's selects, one per column of the file, are read by their
    column's number and checked by competencies.import_formats.mapping_problems."""
