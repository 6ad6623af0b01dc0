"""The `stack_cells` filter behind every responsive table: each plain cell gets its column's heading and one box round
its value; cells that carry their own heading, span columns or sit under a hidden heading are left as they are; a cell
written with its own heading (the `cell` macro) keeps its value in the same box."""

from __future__ import annotations

from markupsafe import Markup

from tests.support.markup import rendered
from trainee_portal.platform.tables import stack_cells

HEADING = '<span class="nhsuk-table-responsive__heading" aria-hidden="true">{} </span>'


def test_each_plain_cell_gets_its_columns_heading_and_one_box():
    body = (
        '<tr class="nhsuk-table__row"><th scope="row" class="nhsuk-table__cell">Dr A</th>'
        '<td class="nhsuk-table__cell">3<br><span class="app-muted">late</span></td></tr>'
        '<tr class="nhsuk-table__row"><th scope="row" class="nhsuk-table__cell">Dr B</th><td class="nhsuk-table__cell">0</td></tr>'
    )
    out = stack_cells(body, ["Trainee", "Waiting"])
    assert isinstance(out, Markup)
    assert out == (
        f'<tr class="nhsuk-table__row"><th scope="row" class="nhsuk-table__cell">{HEADING.format("Trainee")}'
        '<div class="app-cell-value">Dr A</div></th>'
        f'<td class="nhsuk-table__cell">{HEADING.format("Waiting")}'
        '<div class="app-cell-value">3<br><span class="app-muted">late</span></div></td></tr>'
        f'<tr class="nhsuk-table__row"><th scope="row" class="nhsuk-table__cell">{HEADING.format("Trainee")}'
        '<div class="app-cell-value">Dr B</div></th>'
        f'<td class="nhsuk-table__cell">{HEADING.format("Waiting")}<div class="app-cell-value">0</div></td></tr>'
    )


def test_headings_given_as_mappings_hidden_or_html_and_escaped():
    body = "<tr><td>1</td><td>2</td><td>3</td><td>4</td></tr>"
    headers = [
        {"text": "Score", "numeric": True},
        {"html": "<abbr>MCQ</abbr> result"},
        {"text": "Actions", "hidden": True},
        "A & B",
    ]
    out = stack_cells(body, headers)
    assert HEADING.format("Score") + '<div class="app-cell-value">1</div>' in out
    assert HEADING.format("MCQ result") + '<div class="app-cell-value">2</div>' in out
    assert '<td><div class="app-cell-value">3</div></td>' in out  # a hidden heading is not shown on a phone either
    assert HEADING.format("A &amp; B") in out


def test_cells_with_their_own_heading_or_spanning_columns_are_left_alone():
    own = f'<tr><td class="nhsuk-table__cell">{HEADING.format("Stage")}Stage 3</td><td>5</td></tr>'
    out = stack_cells(own, ["Stage", "Trainees"])
    assert out.count("nhsuk-table-responsive__heading") == 2
    assert f'<td class="nhsuk-table__cell">{HEADING.format("Stage")}Stage 3</td>' in out
    assert HEADING.format("Trainees") + '<div class="app-cell-value">5</div>' in out
    empty = '<tr><td colspan="3">No trainees.</td></tr>'
    assert stack_cells(empty, ["A", "B", "C"]) == empty
    # A spanning cell moves the later cells along by its width.
    spanned = '<tr><td colspan="2">Both</td><td>last</td></tr>'
    assert HEADING.format("C") in stack_cells(spanned, ["A", "B", "C"])
    assert stack_cells("<tr><td>1</td><td>extra</td></tr>", ["Only"]).endswith("<td>extra</td></tr>")


def test_a_responsive_table_from_the_macro_stacks_its_plain_cells(app):
    html = rendered(
        app,
        '{% from "macros/ui.html" import table %}'
        '{% call table("People", ["Name", "Email"], responsive=true, scroll=false) %}'
        '<tr class="nhsuk-table__row"><td class="nhsuk-table__cell">Dr A</td><td class="nhsuk-table__cell">a@example.org</td></tr>'
        "{% endcall %}"
        '{% call table("Plain", ["Name"]) %}<tr><td class="nhsuk-table__cell">Dr B</td></tr>{% endcall %}',
    )
    assert 'class="nhsuk-table-responsive" role="table"' in html
    assert HEADING.format("Email") + '<div class="app-cell-value">a@example.org</div>' in html
    assert '<td class="nhsuk-table__cell">Dr B</td>' in html  # a table that does not stack keeps its cells as written
    assert "app-table-scroll" in html  # and its scrolling box


def test_a_cell_written_with_its_own_heading_keeps_its_content_in_one_box(app):
    html = rendered(
        app,
        '{% from "macros/ui.html" import cell %}'
        '{% call cell("Who", true) %}locum.consultant@visiting-pain-clinic.example{% endcall %}'
        '{% call cell("Who") %}Dr B{% endcall %}',
    )
    assert (
        f'<td class="nhsuk-table__cell">{HEADING.format("Who")}'
        '<div class="app-cell-value">locum.consultant@visiting-pain-clinic.example</div></td>'
    ) in html
    assert '<td class="nhsuk-table__cell">Dr B</td>' in html  # outside a stacked table the cell is as written
