"""Names and titles holding markup (a demo name, a pasted title) on the new home sections, the waiting list and the
cohort dashboard's heatmap: always shown as text, never run."""

from __future__ import annotations

from tests import factories as make
from tests.app.logbook.helpers import form_data
from tests.factories import assign, direct
from tests.support import clock as clock_support
from trainee_portal.extensions import db
from trainee_portal.summaries import progress

EVIL = "</script><script>alert('x')</script>\"'><img src=x onerror=alert(1)>"


def _clean(page: str) -> None:
    assert "<script>alert(" not in page
    assert "<img src=x" not in page
    assert "onerror=alert(1)>" not in page or "&lt;img" in page


def test_markup_in_names_and_titles_is_text_everywhere_new(client, login, app):
    london = make.RegionFactory(name="London " + EVIL)
    director = make.DirectorFactory(name="Dr Director " + EVIL, roles=("director", "supervisor"))
    direct(director, region=london)
    supervisor = make.SupervisorFactory(name="Dr Supervisor " + EVIL)
    trainee = make.TraineeFactory(name="Dr Trainee " + EVIL, profile__region=london)
    assign(supervisor, trainee)
    assign(director, trainee)
    entry = make.EvidenceFactory(trainee=trainee, title="Title " + EVIL, status="returned")
    make.SignOffRequestFactory(trainee=trainee, supervisor=supervisor, created_at=clock_support.ago(days=30))
    make.SignOffRequestFactory(trainee=trainee, supervisor=director, created_at=clock_support.ago(days=30))
    progress.refresh_trainee(trainee.id)
    db.session.commit()
    assert entry.id
    for user, paths in (
        (trainee, ["/"]),
        (supervisor, ["/", "/signoff/"]),
        (director, ["/", "/signoff/waiting", f"/signoff/waiting?supervisor={supervisor.id}", "/cohort"]),
    ):
        login(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            _clean(response.get_data(as_text=True))
        client.post("/logout")
    admin = make.AdminFactory(name="Dr Admin " + EVIL)
    make.SupervisorFactory(name="Dr Invited " + EVIL, must_change_password=True)
    login(admin)
    for path in ("/", "/admin/users?status=awaiting-sign-in", "/admin/outbox"):
        response = client.get(path)
        assert response.status_code == 200, path
        _clean(response.get_data(as_text=True))


def test_markup_typed_in_the_date_boxes_comes_back_as_text(client, login):
    login(make.TraineeFactory())
    data = form_data()
    data.pop("occurred_on")
    data |= {"occurred_on-day": EVIL, "occurred_on-month": "3", "occurred_on-year": "2026", "occurred_on": EVIL}
    response = client.post("/logbook/new", data=data)
    assert response.status_code == 400
    _clean(response.get_data(as_text=True))
    data |= {"occurred_on-day": "", "occurred_on-month": "", "occurred_on-year": ""}
    data = {k: v for k, v in data.items() if not k.startswith("occurred_on-")}
    response = client.post("/logbook/new", data=data)
    assert response.status_code == 400
    _clean(response.get_data(as_text=True))
