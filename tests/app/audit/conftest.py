"""The audit tests' world: real data built through the services, for raw SQL to tamper with."""

import pytest

from tests.app.audit.helpers import World, build_world


@pytest.fixture
def world(app, client, login) -> World:
    return build_world(client, login)
