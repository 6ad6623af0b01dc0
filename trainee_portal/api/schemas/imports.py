"""Logbook imports over the API: the multipart upload that starts one (or checks it only), the dry run's report, an
import's job with its results, and the page of the caller's recent imports."""

from __future__ import annotations

import json

import marshmallow as ma
from flask_smorest.fields import Upload
from werkzeug.datastructures import FileStorage

from competencies import import_formats as formats
from competencies import imports as rules
from trainee_portal.api import keyset
from trainee_portal.api.schemas.fields import UtcDateTime
from trainee_portal.api.schemas.problem import ProblemSchema
from trainee_portal.imports.forms import upload_name_problem

PAGE_SIZE, MAX_PAGE_SIZE = 20, 100


class FileUpload(Upload):
    """A file part of a multipart/form-data body (a text part with the file's name is refused)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise ma.ValidationError("Send the file as a file part of a multipart/form-data body (curl -F file=@name)")
        return value


class MappingField(ma.fields.String):
    """The column mapping as a JSON object in a form field: {"file's column": "logbook field", …}."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            mapping = json.loads(text)
        except ValueError:
            raise ma.ValidationError('Not JSON: give an object of column names to fields, {"Column": "field"}') from None
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise ma.ValidationError('Give an object of column names to fields, {"Column": "field"}')
        return mapping


class UploadSchema(ma.Schema):
    """The form of POST /api/v1/imports, sent as multipart/form-data."""

    file = FileUpload(
        required=True,
        metadata={
            "description": (
                "The file: this logbook's own CSV, or for llp and generic a CSV file or an Excel workbook (.xlsx, "
                f"its first sheet). At most {rules.MAX_ROWS:,} rows and {rules.MAX_FILE_BYTES // 1024 // 1024} MB; "
                "its name ends .csv or .xlsx and holds no patient identifier"
            )
        },
    )
    source_format = ma.fields.String(
        data_key="format",
        required=True,
        validate=ma.validate.OneOf(tuple(formats.FORMATS)),
        metadata={"description": "; ".join(f"{code}: {label}" for code, label in formats.FORMATS.items())},
    )
    mapping = MappingField(
        metadata={
            "description": (
                'For llp and generic: a JSON object of the file\'s column names to logbook fields, {"Column": "field"}; '
                f"fields: {', '.join(formats.FIELD_NAMES)}, or an empty string for a column not imported. A column "
                "not named is not imported. Without it, the mapping is guessed from the headers (for llp, from the "
                "programme's reading of the LLP export first), as the import page offers it"
            ),
            "example": '{"Date": "date", "Kind": "type", "Title": "title", "Codes": "competencies"}',
        }
    )
    dry_run = ma.fields.Boolean(
        load_default=False, metadata={"description": "true: check every row and say what the import would do, and save nothing"}
    )

    @ma.validates_schema
    def check_name_and_mapping(self, data, **kwargs):
        if "file" in data and "source_format" in data:
            problem = upload_name_problem(data["file"].filename, data["source_format"])
            if problem:
                raise ma.ValidationError(problem, "file")
        if data.get("source_format") == formats.PORTAL and "mapping" in data:
            raise ma.ValidationError("This logbook's own CSV names its columns: a mapping is for llp or generic", "mapping")


class RowProblemSchema(ma.Schema):
    row = ma.fields.Integer(required=True, metadata={"description": "The row in the file, its header being row 1"})
    column = ma.fields.String(required=True, metadata={"description": "The file's column, as its header names it"})
    message = ma.fields.String(required=True)


class CheckReportSchema(ma.Schema):
    """What the import of the file would do, as the import page's "Check only" shows it; nothing was saved."""

    format = ma.fields.String(required=True)
    refused = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={
            "description": "Why the import of this file would be refused as a whole (the same file imported before); "
            "empty when it would go ahead"
        },
    )
    mapping = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        required=True,
        allow_none=True,
        metadata={"description": 'The mapping used, every column of the file to a field or ""; null for portal'},
    )
    rows_total = ma.fields.Integer(required=True)
    would_import = ma.fields.Integer(required=True, metadata={"description": "New rows the import would save as drafts"})
    already_in_logbook = ma.fields.Integer(required=True)
    already_in_logbook_rows = ma.fields.List(
        ma.fields.Integer(), required=True, metadata={"description": "Their rows in the file: skipped, not imported again"}
    )
    rejected = ma.fields.Integer(required=True, metadata={"description": "Rows with at least one problem"})
    problems = ma.fields.List(
        ma.fields.Nested(RowProblemSchema), required=True, metadata={"description": "Every problem of every rejected row"}
    )
    ignored_columns = ma.fields.List(ma.fields.String(), required=True)


class JobLinksSchema(ma.Schema):
    self = ma.fields.String(required=True, metadata={"description": "This import in the API"})
    page = ma.fields.String(required=True, metadata={"description": "Its page in the portal"})
    problems_csv = ma.fields.String(required=True, metadata={"description": "Every rejected row's problems, as CSV"})


class JobSummarySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(rules.JOB_STATUSES))
    finished = ma.fields.Boolean(required=True)
    format = ma.fields.String(required=True)
    filename = ma.fields.String(required=True)
    created_at = UtcDateTime(required=True, metadata={"description": "When the file was uploaded"})
    finished_at = UtcDateTime(required=True, allow_none=True)
    rows_total = ma.fields.Integer(required=True)
    rows_imported = ma.fields.Integer(required=True)
    rows_skipped = ma.fields.Integer(required=True, metadata={"description": "Rows already in the logbook"})
    rows_rejected = ma.fields.Integer(required=True)
    links = ma.fields.Nested(JobLinksSchema, required=True)


class JobSchema(JobSummarySchema):
    """An import: its progress while it runs, its results once finished."""

    started_at = UtcDateTime(required=True, allow_none=True)
    rows_checked = ma.fields.Integer(required=True)
    percent = ma.fields.Integer(required=True, metadata={"description": "How far the check has gone"})
    mapping = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True, allow_none=True)
    skipped_rows = ma.fields.List(
        ma.fields.Integer(),
        required=True,
        metadata={"description": f"The first {rules.SKIPPED_SHOWN} rows already in the logbook, by their row in the file"},
    )
    ignored_columns = ma.fields.List(ma.fields.String(), required=True)
    problems = ma.fields.List(
        ma.fields.Nested(RowProblemSchema),
        required=True,
        metadata={"description": f"The first {rules.PROBLEMS_SHOWN} problems of rejected rows; links.problems_csv has all"},
    )
    problem_count = ma.fields.Integer(required=True)
    failure = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "Why a failed import saved nothing; null otherwise"}
    )


class JobListQuerySchema(ma.Schema):
    limit = ma.fields.Integer(
        load_default=PAGE_SIZE,
        validate=ma.validate.Range(1, MAX_PAGE_SIZE),
        metadata={"description": f"Imports on a page, 1 to {MAX_PAGE_SIZE}"},
    )
    cursor = keyset.cursor_field(keyset.ID)


class JobListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(JobSummarySchema), required=True, metadata={"description": "Newest first"})
    next_cursor = keyset.next_cursor_field(keyset.ID)


class EarlierImportSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    href = ma.fields.String(required=True)


class ImportConflictSchema(ProblemSchema):
    """A problem document naming the earlier import that stops this one (the same file, or one still running)."""

    earlier_import = ma.fields.Nested(EarlierImportSchema, required=True)
