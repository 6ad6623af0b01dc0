"""Cursor pages for the API's lists: the rows after the last one sent, in a stable order, whatever the list's size.

Every list (a trainee's evidence, the sign-off queue, the caller's imports, the cohort, a panel's readiness) pages
this one way. A cursor is the last row's sort key: its id, a dot, and its sort value written as the list's `Key`
says (a name's UTF-8 in hexadecimal, a day's ordinal number, an instant's microseconds since 1970, or nothing when
the id alone is the order). The client treats it as opaque and sends it back as it came.

Any value of a list's documented pattern names a place in its order (a page may be empty), so a client's cursor is
never an error and needs no signature: who may see which rows is asked again on every page, and a cursor only says
where in the caller's own list the page starts. Anything else is refused by the schema (422), never a 500."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import request
from sqlalchemy import and_, or_

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_NAME_BYTES = 480  # a name of up to 120 characters, each up to 4 bytes of UTF-8
ID_PATTERN = r"[1-9][0-9]{0,8}"  # below 2**31, the largest id either engine's integer column holds
EPOCH = datetime(1970, 1, 1)
REFUSED = "Send back next_cursor as it came, or leave it out."


def _name(text: str) -> str:
    # No name holds a NUL (PostgreSQL's text cannot): one in a made-up cursor is dropped, the place stays a place.
    return bytes.fromhex(text).decode(errors="replace").replace("\x00", "")


def _day(text: str) -> date:
    return date.fromordinal(min(max(int(text), 1), date.max.toordinal()))


def _instant(value: datetime) -> str:
    return str((value - EPOCH) // timedelta(microseconds=1))


@dataclass(frozen=True)
class Key:
    """How one list's sort value is written in its cursors: every text of `pattern` loads as some value."""

    pattern: str
    dump: Callable[[Any], str]
    load: Callable[[str], Any]


NAME = Key(rf"(?:[0-9a-f]{{2}}){{0,{MAX_NAME_BYTES}}}", lambda name: name.encode().hex(), _name)
DAY = Key(r"[0-9]{1,7}", lambda day: str(day.toordinal()), _day)
INSTANT = Key(r"[0-9]{1,17}", _instant, lambda text: EPOCH + timedelta(microseconds=int(text)))  # to the year 5138
ID = Key("", lambda _value: "", lambda _text: None)


def pattern(key: Key) -> str:
    return rf"^{ID_PATTERN}\.{key.pattern}$"


PATTERN = pattern(NAME)


def encode(value, ident: int, key: Key = NAME) -> str:
    return f"{ident}.{key.dump(value)}"


def decode(cursor: str | None, key: Key = NAME) -> tuple[Any, int] | None:
    """(sort value, id) of the last row sent; None for the first page. The schema has checked the pattern already."""
    if cursor is None:
        return None
    if re.match(pattern(key), cursor) is None:
        raise ValueError(f"not a cursor: {cursor!r}")
    ident, _, value = cursor.strip().partition(".")
    return key.load(value), int(ident)


def cursor_field(key: Key = NAME, **kwargs) -> ma.fields.String:
    """A list's `cursor` argument: a string of the list's pattern, documented with it."""
    kwargs.setdefault("load_default", None)
    kwargs.setdefault("metadata", {"description": "The next_cursor of the page before; leave out for the first page"})
    return ma.fields.String(validate=ma.validate.Regexp(pattern(key), error=REFUSED), **kwargs)


def next_cursor_field(key: Key = NAME) -> ma.fields.String:
    """A page's `next_cursor`: where the next page starts, null on the last."""
    return ma.fields.String(
        required=True,
        allow_none=True,
        metadata={"pattern": pattern(key), "description": "Send as ?cursor= for the next page; null on the last"},
    )


class PageArgsSchema(ma.Schema):
    """`limit` and `cursor`, which every list in name order takes beside its own filters."""

    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(1, MAX_LIMIT),
        metadata={"description": f"Rows on this page, 1 to {MAX_LIMIT}"},
    )
    cursor = cursor_field(NAME)


def after(value_column, id_column, cursor: str | None, key: Key = NAME, descending: bool = False):
    """The SQL condition for rows after the cursor in (value, id) order, or in the id's order alone for `ID`; newest
    first when `descending`. None for the first page."""
    place = decode(cursor, key)
    if place is None:
        return None
    value, ident = place
    if key is ID:
        return id_column < ident if descending else id_column > ident
    if descending:
        return or_(value_column < value, and_(value_column == value, id_column < ident))
    return or_(value_column > value, and_(value_column == value, id_column > ident))


def page(rows: list, limit: int, sort_key, key: Key = NAME) -> tuple[list, str | None, dict]:
    """Of `limit + 1` rows fetched: the page, the next cursor (None on the last page) and its Link header.
    `sort_key(row)` is the row's (sort value, id)."""
    shown = rows[:limit]
    if len(rows) <= limit:
        return shown, None, {}
    cursor = encode(*sort_key(shown[-1]), key=key)
    args = {**request.args.to_dict(), "cursor": cursor}
    url = request.script_root + request.path + "?" + urlencode(args)  # relative, as every list's Link
    return shown, cursor, {"Link": f'<{url}>; rel="next"'}
