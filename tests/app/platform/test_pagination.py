"""platform/pagination.py: ?page= is read once and never fails, a page past the end shows the last one, and the
links to the pages either side keep every other query argument. Runs on SQLite and, with DATABASE_URL, PostgreSQL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from tests.factories import AdminFactory, UserFactory
from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.models import User
from trainee_portal.platform.pagination import Page, page_number, paginate, paginate_list, paginate_rows


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3", 3),
        (" 7 ", 7),
        ("", 1),
        ("0", 1),
        ("-3", 1),
        ("abc", 1),
        ("2.5", 1),
        ("1e3", 1),
        ("%C2%B2", 1),  # a superscript two: str.isdigit() says yes, int() says no
        ("%D9%A3", 1),  # an Arabic-Indic three
        ("9" * 40, 1),  # longer than any page, and beyond what OFFSET holds
        ("999999", 999999),
    ],
)
def test_page_numbers_are_ascii_digits_or_page_one(app, raw, expected):
    with app.test_request_context(f"/?page={raw}"):
        assert page_number() == expected
    with app.test_request_context(f"/?everyone_page={raw}&page=5"):
        assert page_number("everyone_page") == expected


def _people(count: int) -> None:
    for n in range(count):
        UserFactory(name=f"Dr Page {n:02d}")


@pytest.mark.parametrize(
    ("raw", "page", "names"), [("", 1, ["00", "01"]), ("3", 3, ["04"]), ("99", 3, ["04"]), ("x", 1, ["00", "01"])]
)
def test_paginate_reads_the_page_and_clamps_it_to_the_last(app, raw, page, names):
    _people(5)
    query = select(User).where(User.name.like("Dr Page %")).order_by(User.name)
    with app.test_request_context(f"/admin/users?page={raw}"):
        result = paginate(query, per_page=2)
    assert (result.page, result.pages, result.total) == (page, 3, 5)
    assert [u.name[-2:] for u in result.items] == names


def test_an_empty_list_is_one_empty_page(app):
    with app.test_request_context("/admin/users?page=4"):
        result = paginate(select(User).where(User.name == "nobody"), per_page=10)
    assert (result.items, result.page, result.pages, result.total) == ([], 1, 1, 0)
    assert not result.has_prev and not result.has_next and result.prev_url() is None and result.next_url() is None


def test_rows_and_lists_page_the_same_way(app):
    _people(5)
    query = select(User.id, User.name).where(User.name.like("Dr Page %")).order_by(User.name)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    with app.test_request_context("/cohort?page=2"):
        rows = paginate_rows(query, 2, total)
        listed = paginate_list(list(range(5)), 2)
    assert [r.name for r in rows] == ["Dr Page 02", "Dr Page 03"] and rows.page == 2
    assert listed.items == [2, 3] and (listed.page, listed.pages) == (2, 3)
    with app.test_request_context("/cohort?page=2"):
        assert paginate_rows(query, 2, total, number=50).page == 3  # a number given (the cohort's filters) is clamped too


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_links_keep_the_filters_and_drop_page_one(app):
    page = Page(items=[1], total=30, page=2, per_page=10)
    with app.test_request_context("/admin/users?q=smith&role=trainee&role=admin&empty=&page=2"):
        previous, following = page.prev_url(), page.next_url()
    assert _query(previous) == {"q": ["smith"], "role": ["trainee", "admin"]}
    assert _query(following) == {"q": ["smith"], "role": ["trainee", "admin"], "page": ["3"]}
    assert urlsplit(following).path == "/admin/users"


def test_links_keep_the_path_arguments_and_ignore_url_for_options(app):
    page = Page(items=[1], total=30, page=1, per_page=10, param="everyone_page")
    with app.test_request_context("/signoff/audit/7?_external=1&_anchor=x&trainee_id=9&eligible_page=2"):
        url = page.next_url(anchor="everyone")
    assert url.startswith("/signoff/audit/7?")  # not absolute, and the path's trainee_id wins over the query's
    assert url.endswith("#everyone")
    assert _query(url) == {"eligible_page": ["2"], "everyone_page": ["2"]}


def test_the_macro_draws_nhs_pagination_with_the_filters(app):
    page = Page(items=[1], total=30, page=2, per_page=10)
    with app.test_request_context("/logbook/?sort=date_desc&page=2"):
        html = render_template_string(
            '{% from "macros/ui.html" import pagination %}{{ pagination(page, label="Pages of entries") }}', page=page
        )
    assert 'class="nhsuk-pagination"' in html and 'aria-label="Pages of entries"' in html
    assert 'href="/logbook/?sort=date_desc"' in html and 'href="/logbook/?sort=date_desc&amp;page=3"' in html
    assert 'rel="prev"' in html and 'rel="next"' in html and "Page 2 of 3." in html
    one = Page(items=[1], total=3, page=1, per_page=10)
    with app.test_request_context("/logbook/"):
        assert (
            render_template_string('{% from "macros/ui.html" import pagination %}{{ pagination(page) }}', page=one).strip() == ""
        )


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "%C2%B2", "9" * 40, "99", "2"])
def test_paged_pages_never_fail_on_odd_page_numbers(client, login, raw):
    admin = AdminFactory()
    _people(60)
    for n in range(3):
        audit.append("test", subject_type="user", subject_id=n, payload={"n": n}, actor=admin, trainee_id=admin.id)
    db.session.commit()
    login(admin)
    for path in (f"/admin/users?q=page&page={raw}", f"/admin/assignments?page={raw}", f"/signoff/audit/{admin.id}?page={raw}"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)


def test_the_users_list_pages_with_its_filters(client, login):
    login(AdminFactory())
    _people(60)
    first = client.get("/admin/users?q=page").get_data(as_text=True)
    assert "60 accounts." in first and "Page 1 of 2." in first and 'href="/admin/users?q=page&amp;page=2"' in first
    last = client.get("/admin/users?q=page&page=7").get_data(as_text=True)
    assert "Page 2 of 2." in last and "Dr Page 59" in last and "Dr Page 00" not in last
    assert 'href="/admin/users?q=page"' in last  # back to page 1: no page argument
