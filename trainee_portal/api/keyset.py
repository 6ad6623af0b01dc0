"""Cursor pages for the API's lists: the rows after the last one sent, in a stable order, whatever the list's size.

A cursor is the last row's sort key: its id, a dot, and its name's UTF-8 in hexadecimal. The client treats it as
opaque and sends it back as it came. Any value of the documented pattern names a place in the order (a page may be
empty), so a client's cursor is never an error; anything else is refused by the schema (422), never a 500."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import marshmallow as ma
from flask import request
from sqlalchemy import and_, or_

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_NAME_BYTES = 480  # a name of up to 120 characters, each up to 4 bytes of UTF-8
PATTERN = rf"^[1-9][0-9]{{0,8}}\.(?:[0-9a-f]{{2}}){{0,{MAX_NAME_BYTES}}}$"


class PageArgsSchema(ma.Schema):
    """`limit` and `cursor`, which every list takes beside its own filters."""

    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(1, MAX_LIMIT),
        metadata={"description": f"Rows on this page, 1 to {MAX_LIMIT}"},
    )
    cursor = ma.fields.String(
        load_default=None,
        validate=ma.validate.Regexp(PATTERN, error="Send back next_cursor as it came, or leave it out."),
        metadata={"description": "The next_cursor of the page before; leave out for the first page"},
    )


def encode(name: str, ident: int) -> str:
    return f"{ident}.{name.encode().hex()}"


def decode(cursor: str | None) -> tuple[str, int] | None:
    """(name, id) of the last row sent; None for the first page. The schema has checked the pattern already."""
    if cursor is None:
        return None
    if re.match(PATTERN, cursor) is None:
        raise ValueError(f"not a cursor: {cursor!r}")
    ident, _, name = cursor.strip().partition(".")
    # No name holds a NUL (PostgreSQL's text cannot): one in a made-up cursor is dropped, the place stays a place.
    return bytes.fromhex(name).decode(errors="replace").replace("\x00", ""), int(ident)


def after(name_column, id_column, cursor: str | None):
    """The SQL condition for rows after the cursor in (name, id) order; None for the first page."""
    key = decode(cursor)
    if key is None:
        return None
    name, ident = key
    return or_(name_column > name, and_(name_column == name, id_column > ident))


def page(rows: list, limit: int, key) -> tuple[list, str | None, dict]:
    """Of `limit + 1` rows fetched: the page, the next cursor (None on the last page) and its Link header."""
    shown = rows[:limit]
    if len(rows) <= limit:
        return shown, None, {}
    cursor = encode(*key(shown[-1]))
    args = {**request.args.to_dict(), "cursor": cursor}
    url = request.base_url + "?" + urlencode(args)
    return shown, cursor, {"Link": f'<{url}>; rel="next"'}
