"""Odd values in URLs and query strings get a 404 or the first page, never a 500."""

from __future__ import annotations

import pytest

from competencies import CurriculumError, load_curriculum_text
from tests.factories import AdminFactory


@pytest.mark.parametrize(
    "path",
    [
        # ids beyond the database integer
        "/logbook/9223372036854775808",
        "/signoff/requests/99999999999999999999",
        "/cohort/trainee/2147483648",
        "/admin/users/9223372036854775808",
        # Unicode digits in the trainee parameter
        "/higher/?trainee=%C2%B2",
        "/dashboard?trainee=%C2%B2",
        "/logbook/?trainee=%C2%B2",
        "/exams/?trainee=%C2%B2",
    ],
)
def test_ids_beyond_the_database_integer_and_unicode_digit_trainees_are_404(client, login, path):
    login(AdminFactory())
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/signoff/?page=%C2%B2",
        "/cohort?page=%C2%B2",
        "/cohort?region=%C2%B2&cohort=%C2%B3",
        "/admin/users?page=%C2%B2",
        "/exams/pipeline?eligible_page=%C2%B2",
    ],
)
def test_unicode_digits_in_page_and_filter_parameters_do_not_break_pages(client, login, path):
    from trainee_portal.extensions import db
    from trainee_portal.models import UserRole

    admin = AdminFactory()
    for role in ("director", "supervisor"):
        db.session.add(UserRole(user_id=admin.id, role=role))
    db.session.commit()
    login(admin)
    assert client.get(path).status_code < 500


def test_deeply_nested_toml_is_a_clear_curriculum_error():
    with pytest.raises(CurriculumError, match="nesting too deep"):
        load_curriculum_text("a=" + "[" * 5000 + "]" * 5000, "deep.toml")


def test_chart_json_cannot_close_its_script_block(app):
    import json

    from flask import render_template_string

    figure = json.dumps({"data": [{"y": ["x</script><h1 id=injected>X</h1>&"]}], "layout": {}})
    with app.test_request_context():
        html = render_template_string('{% from "macros/ui.html" import chart %}{{ chart("c", figure, "Title") }}', figure=figure)
    assert "</script><h1" not in html and "<h1 id=injected>" not in html
    block = html.split('id="c-data">')[1].split("</script>")[0]
    assert json.loads(block)["data"][0]["y"][0] == "x</script><h1 id=injected>X</h1>&"
