"""Scope on the home pages: a supervisor whose assignment has ended (or not yet begun) sees nothing of that trainee;
a trainee sees nothing of another trainee; a director of one region nothing of another's trainees or supervisors."""

from __future__ import annotations

from datetime import timedelta

from tests import factories as make
from tests.factories import assign, direct
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import ArcpPanel, ArcpPanelTrainee, HaloRequest


def _busy_trainee(name, region, supervisor, director):
    """A trainee with everything a home page shows: a sign-off waiting, an entry returned, a HALO requested and an
    ARCP panel coming."""
    trainee = make.TraineeFactory(name=name, profile__region=region)
    make.SignOffRequestFactory(trainee=trainee, supervisor=supervisor, created_at=clock.ago(days=20))
    make.EvidenceFactory(trainee=trainee, title=f"Returned entry of {name}", status="returned")
    db.session.add(HaloRequest(trainee_id=trainee.id, curriculum_version="2021", stage_key="stage3", status="requested"))
    today = clock.today()
    panel = ArcpPanel(
        region_id=region.id,
        panel_date=today + timedelta(days=20),
        training_year="ST6",
        cutoff_working_days=10,
        cutoff_date=today + timedelta(days=6),
        created_by_id=director.id,
    )
    db.session.add(panel)
    db.session.flush()
    db.session.add(ArcpPanelTrainee(panel_id=panel.id, trainee_id=trainee.id, readiness="amber"))
    db.session.commit()
    return trainee


def test_a_supervisor_sees_nothing_of_a_former_or_future_trainee(client, login):
    region = make.RegionFactory(name="London")
    director = make.DirectorFactory()
    supervisor = make.SupervisorFactory(name="Dr Supervisor")
    former = _busy_trainee("Dr Former Trainee", region, supervisor, director)
    future = _busy_trainee("Dr Future Trainee", region, supervisor, director)
    today = clock.today()
    assign(supervisor, former, starts_on=today - timedelta(days=300), ends_on=today - timedelta(days=1))
    assign(supervisor, former, kind="clinical", starts_on=today - timedelta(days=300), ends_on=today - timedelta(days=1))
    assign(supervisor, future, starts_on=today + timedelta(days=1))
    login(supervisor)
    page = client.get("/").get_data(as_text=True)
    assert "Dr Former Trainee" not in page and "Dr Future Trainee" not in page
    assert "Returned entry of" not in page


def test_a_trainee_sees_nothing_of_another(client, login):
    region = make.RegionFactory(name="London")
    director = make.DirectorFactory()
    supervisor = make.SupervisorFactory(name="Dr Shared Supervisor")
    other = _busy_trainee("Dr Other Trainee", region, supervisor, director)
    assign(supervisor, other)
    me = make.TraineeFactory(name="Dr Me", profile__region=region)
    assign(supervisor, me)
    login(me)
    page = client.get("/").get_data(as_text=True)
    assert "Dr Other Trainee" not in page and "Returned entry of" not in page


def test_a_director_sees_nothing_of_another_region(client, login):
    london, north = make.RegionFactory(name="London"), make.RegionFactory(name="North West")
    director = make.DirectorFactory(name="Dr London Director")
    direct(director, region=london)
    other_director = make.DirectorFactory(name="Dr North Director")
    direct(other_director, region=north)
    far_supervisor = make.SupervisorFactory(name="Dr Far Supervisor")
    far = _busy_trainee("Dr Far Trainee", north, far_supervisor, other_director)
    assign(far_supervisor, far)
    login(director)
    for path in ("/", "/signoff/waiting", "/cohort"):
        page = client.get(path).get_data(as_text=True)
        assert "Dr Far Trainee" not in page and "Dr Far Supervisor" not in page, path
        assert "North West" not in page, path
    assert client.get(f"/signoff/waiting?supervisor={far_supervisor.id}").status_code == 404
