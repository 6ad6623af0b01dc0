"""One way to page a list: read ?page= once, fetch one page, link to the pages either side.

Every paged list (logbook, users, assignments, audit trail, cohort table, exam pipeline) goes through here and is
shown by the `pagination` macro in templates/macros/ui.html. Page numbers come from bookmarkable links that outlive
the data, so nothing here refuses one:

- anything but ASCII digits ("abc", "-3", "²", "") is page 1 ("²".isdigit() is True but int() refuses it);
- a number past the last page shows the last page (a list that shrank keeps its reader near the end);
- a number too long to be a page is page 1 before it reaches OFFSET (a huge OFFSET overflows on PostgreSQL).

The links keep every other query-string argument (the filters and the sort order) and drop ?page= for page 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from flask import request, url_for
from sqlalchemy import Select

from trainee_portal.extensions import db

MAX_DIGITS = 6  # up to page 999,999: far beyond any list here, far below an OFFSET that could overflow


def page_number(param: str = "page", args: Mapping | None = None) -> int:
    """The page asked for in ?<param>= (the request's query string unless args are given): 1 unless ASCII digits."""
    raw = ((request.args if args is None else args).get(param) or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= MAX_DIGITS:
        return max(int(raw), 1)
    return 1


@dataclass(frozen=True)
class Page:
    """One page of a list: its items, where it stands among the pages, and the links to the pages either side."""

    items: list
    total: int
    page: int
    per_page: int
    param: str = "page"

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def prev_url(self, anchor: str | None = None) -> str | None:
        return self.url(self.page - 1, anchor) if self.has_prev else None

    def next_url(self, anchor: str | None = None) -> str | None:
        return self.url(self.page + 1, anchor) if self.has_next else None

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def url(self, number: int, anchor: str | None = None) -> str:
        """This page's address with ?<param>=number (none for page 1), every other query argument kept."""
        # Empty filters are left out; url_for reads keys starting "_" (_external, _anchor…) as its own options, so
        # such arguments are not filters either.
        args = {
            key: [value for value in values if value != ""]
            for key, values in request.args.to_dict(flat=False).items()
            if not key.startswith("_")
        }
        args.pop(self.param, None)
        if number > 1:
            args[self.param] = number
        args.update(request.view_args or {})
        return url_for(request.endpoint, **args, _anchor=anchor)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _clamped(total: int, per_page: int, param: str, number: int | None) -> int:
    last = max(1, -(-total // per_page))
    return min(page_number(param) if number is None else max(number, 1), last)


def page_of(
    total: int, per_page: int, fetch: Callable[[int, int], Sequence], param: str = "page", number: int | None = None
) -> Page:
    """The page asked for (or `number`), clamped into 1..last, with fetch(offset, limit) giving its items."""
    page = _clamped(total, per_page, param, number)
    return Page(list(fetch((page - 1) * per_page, per_page)), total, page, per_page, param)


def paginate(select: Select, per_page: int, param: str = "page") -> Page:
    """A page of a select of ORM objects (Flask-SQLAlchemy's db.paginate: one count query, one page query)."""
    number = page_number(param)
    result = db.paginate(select, page=number, per_page=per_page, max_per_page=per_page, error_out=False, count=True)
    total = result.total or 0
    if number > 1 and not result.items:  # past the end: show the last page instead (page 1 of an empty list)
        number = max(1, -(-total // per_page))
        if total:
            result = db.paginate(select, page=number, per_page=per_page, max_per_page=per_page, error_out=False, count=True)
    return Page(list(result.items), total, number, per_page, param)


def paginate_rows(select: Select, per_page: int, total: int, param: str = "page", number: int | None = None) -> Page:
    """A page of a select of several columns (db.paginate keeps only the first), its total already counted."""
    return page_of(
        total, per_page, lambda offset, limit: db.session.execute(select.limit(limit).offset(offset)).all(), param, number
    )


def paginate_list(items: Sequence, per_page: int, param: str = "page") -> Page:
    """A page of a list already in memory."""
    return page_of(len(items), per_page, lambda offset, limit: items[offset : offset + limit], param)
