"""Odd input, handled once for every form field, query parameter and upload file name on both engines.

Control characters carry no meaning in anything a user types here, and some of them break the database
(PostgreSQL refuses a NUL in text with an error, which used to become a 500). The app's request class removes
them as the form, the query string and the uploads' file names are parsed, before any view or form sees them.

Why remove rather than refuse with 400: these characters are invisible and usually arrive by pasting from
another program (a vertical tab or form feed from a word processor, a NUL from a PDF). Refusing would throw away
a long reflection for a character the user cannot see or find; removing them loses nothing the user meant.
Tab, newline and carriage return are kept (they are real text in multi-line fields).
"""

from __future__ import annotations

import re

from flask import Flask, abort
from flask.wrappers import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property

# C0 controls except tab, newline and carriage return; DEL and the C1 controls; lone surrogates; the noncharacters
# U+FFFE and U+FFFF.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """The text with every control character (other than tab, newline and carriage return) removed."""
    return CONTROL_CHARACTERS.sub("", value)


def _clean_multidict(values: MultiDict) -> ImmutableMultiDict:
    return ImmutableMultiDict(
        [(clean_text(key), clean_text(value) if isinstance(value, str) else value) for key, value in values.items(multi=True)]
    )


class CleanRequest(Request):
    """A request whose args, form and upload file names never hold control characters."""

    @cached_property
    def args(self) -> ImmutableMultiDict:
        return _clean_multidict(super().args)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _clean_multidict(self.__dict__["form"])
        for _name, storage in self.__dict__["files"].items(multi=True):
            if storage.filename:
                storage.filename = clean_text(storage.filename)


def init_app(app: Flask) -> None:
    app.request_class = CleanRequest

    @app.url_value_preprocessor
    def refuse_control_characters_in_the_path(_endpoint, values):
        """No page's address holds a control character: such a path is not found (a NUL in a URL part, such as a
        stage key, would otherwise reach PostgreSQL and fail there)."""
        if any(isinstance(value, str) and CONTROL_CHARACTERS.search(value) for value in (values or {}).values()):
            abort(404)
