"""A region with its director, a trainee on the 2021 curriculum with an assigned supervisor, and a client per person."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import TEST_PASSWORD
from tests.factories import (
    CohortFactory,
    DirectorFactory,
    EvidenceFactory,
    RegionFactory,
    SignOffFactory,
    SupervisorFactory,
    TraineeFactory,
    assign,
    direct,
)
from tests.support.clients import Browser

TODAY = date(2026, 11, 20)  # a Friday; panels around Christmas and New Year follow
PANEL_DATE = date(2027, 1, 8)  # Friday: 5 working days back is 31 Dec in England (1 Jan a bank holiday), 30 Dec in Scotland


@pytest.fixture
def sign_in(app):
    def client_for(user):
        client = Browser(app)  # its own app context per request: Flask-Login's cached user stays with its client
        response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client

    return client_for


@pytest.fixture
def world(app, clock):
    clock.set(TODAY)
    region = RegionFactory(name="Wessex", arcp_cutoff_working_days=5)
    cohort = CohortFactory(name="ST6 2026", region=region)
    director = DirectorFactory(name="Dr Wessex Director")
    direct(director, region=region)
    trainee = TraineeFactory(name="Dr Ready Trainee", profile__region=region, profile__cohort=cohort)
    supervisor = SupervisorFactory(name="Dr Ed Supervisor")
    assign(supervisor, trainee)
    other_region = RegionFactory(name="Scotland East", nation="scotland", arcp_cutoff_working_days=5)
    other_director = DirectorFactory(name="Dr Scottish Director")
    direct(other_director, region=other_region)
    outsider = TraineeFactory(name="Dr Outside Trainee", profile__region=other_region)
    return type(
        "World",
        (),
        dict(
            region=region,
            cohort=cohort,
            director=director,
            trainee=trainee,
            supervisor=supervisor,
            other_region=other_region,
            other_director=other_director,
            outsider=outsider,
        ),
    )


def signed(trainee, supervisor, evidence_type, title, on=None):
    """A signed item of the trainee's (ESSR, MTR, MSF...)."""
    entry = EvidenceFactory(
        trainee=trainee,
        evidence_type=evidence_type,
        title=title,
        status="submitted",
        supervision_level=None,
        **({"occurred_on": on} if on else {}),
    )
    SignOffFactory(evidence=entry, signer=supervisor)
    return entry
