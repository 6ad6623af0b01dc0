"""Generated input posted to every POST route (form-encoded and JSON): never a 5xx, always a readable answer, and a
refused request leaves every stored row exactly as it was."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.app.platform.helpers import sample_url
from tests.app.platform.world import build_world, snapshot
from tests.conftest import TEST_PASSWORD
from trainee_portal import create_app

# Who posts to each route: the caller the route is meant for, so the input reaches validation rather than a 403.
ACTOR_BY_ENDPOINT = {
    "signoff.decide": "supervisor",
    "halo.decide": "faculty_tutor",
    "signoff.stage": "supervisor",
    "signoff.assessor": None,
    "exams.confirm_rapm": "director",
    "cohort.record_arcp": "director",
    "exams.edit_sitting": "admin",
    "exams.correct_attempt": "admin",
    "auth.login": None,
    "auth.logout": None,
}
ACTOR_BY_BLUEPRINT = {
    "evidence": "trainee",
    "signoff": "trainee",
    "halo": "trainee",
    "notifications": "trainee",
    "exams": "trainee",
    "auth": "trainee",
    "admin": "admin",
    "cohort": "director",
}

ODD_VALUES = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "2",
    "9" * 40,
    "1e309",
    "NaN",
    "2026-02-30",
    "31/12/1899",
    "9999-12-31",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\x00",
    "a\x00b",
    "null",
    "true",
    "[]",
    "{}",
    "2b",
    "5",
    "sign",
    "return",
    "pass",
    "fail",
    "MCQ",
    "SOE",
    "trainee",
    "admin",
    "ST6",
    "S3_PM_01",
    "on",
    "x" * 5000,
    "😀" * 50,
    "\u202e",
    "%00",
    "../../etc/passwd",
    "name@example.org",
]
VALUE = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.text(max_size=200),
    st.integers(-(2**70), 2**70).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
)
NAME = re.compile(r'<(?:input|select|textarea|button)\b[^>]*\bname="([^"]+)"')
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
ACTION = re.compile(r'action="([^"]*)"')


def _post_rules():
    probe = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    # The JSON API is fuzzed with tokens against its own document (tests/app/api/test_api_schema.py); a cookie, all
    # this test could send it, opens none of it (tests/app/api/test_api_access_matrix.py).
    return sorted(
        {
            r.endpoint
            for r in probe.url_map.iter_rules()
            if "POST" in r.methods and not getattr(probe.view_functions[r.endpoint], "is_api", False)
        }
    )


def _actor(endpoint: str):
    if endpoint in ACTOR_BY_ENDPOINT:
        return ACTOR_BY_ENDPOINT[endpoint]
    return ACTOR_BY_BLUEPRINT.get(endpoint.split(".")[0], "admin")


def _form_field_names(client, url: str, endpoint: str) -> list[list[str]]:
    """Each rendered form that posts to the URL, as its list of field names; else the WTForms classes of the package."""
    groups = []
    page = client.get(url)
    if page.status_code == 200:
        for attributes, inner in FORM.findall(page.data.decode()):
            action = ACTION.search(attributes)
            if 'method="post"' in attributes.lower() and (not action or action.group(1) in ("", url)):
                names = sorted(set(NAME.findall(inner)) - {"csrf_token"})
                if names:
                    groups.append(names)
    if not groups:
        from flask_wtf import FlaskForm

        package = f"trainee_portal.{endpoint.split('.')[0]}"

        def subclasses(cls):
            for sub in cls.__subclasses__():
                yield sub
                yield from subclasses(sub)

        for form in subclasses(FlaskForm):
            if form.__module__.startswith(package):
                names = sorted(name for name, value in vars(form).items() if hasattr(value, "field_class"))
                if names:
                    groups.append(names)
    return groups or [["value"]]


def _readable(response) -> bool:
    if response.is_json:
        return bool(response.get_json().get("error"))
    body = response.data.decode()
    said = (
        "nhsuk-error-summary",
        "nhsuk-error-message",
        "nhsuk-inset-text",
        "app-flash",
        "Something was wrong",
        "Your form expired",
    )
    return "<h1" in body and (response.status_code != 400 or any(marker in body for marker in said))


@pytest.mark.parametrize("endpoint", _post_rules())
@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_generated_input_is_refused_cleanly_and_changes_nothing(app, endpoint, data):
    from trainee_portal.extensions import db

    state = _world_for(app, endpoint)
    client, url, names = state["client"], state["url"], state["names"]
    # Every field of one of the page's forms, as a browser sends them, with generated values, and a few extra fields.
    chosen = data.draw(st.sampled_from(names), label="form")
    form = {name: data.draw(st.one_of(VALUE, st.lists(VALUE, min_size=2, max_size=3)), label=name) for name in chosen}
    form.update(data.draw(st.dictionaries(st.text(min_size=1, max_size=20), VALUE, max_size=2), label="extra"))
    as_json = data.draw(st.booleans(), label="json")
    before = snapshot()
    response = client.post(url, json=form) if as_json else client.post(url, data=form)
    db.session.rollback()
    assert response.status_code < 500, f"{endpoint} answered {response.status_code} to {form!r}"
    if response.status_code >= 400:
        assert _readable(response), f"{endpoint} gave no readable message for {response.status_code}"
        assert snapshot() == before, f"{endpoint} refused {form!r} with {response.status_code} but changed stored data"
    else:
        assert response.status_code in (200, 302, 303), f"{endpoint}: unexpected {response.status_code}"


_STATE: dict = {}


@pytest.fixture(autouse=True)
def _forget_activated_curricula():
    """A fuzzed activation may succeed; later tests must not see its curriculum in the per-process cache."""
    yield
    from trainee_portal import curricula

    curricula._cache["registry"] = None


def _world_for(app, endpoint: str) -> dict:
    """One world per endpoint (hypothesis runs every example inside one test call, so the tables persist meanwhile)."""
    from trainee_portal.extensions import db

    key = (endpoint, id(db.session()))
    if _STATE.get("key") != key:
        world = build_world()
        client = app.test_client()
        actor = _actor(endpoint)
        if actor:
            response = client.post("/login", data={"email": world.people[actor].email, "password": TEST_PASSWORD})
            assert response.status_code == 302
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and "POST" in r.methods)
        with app.test_request_context():
            url = sample_url(rule, {name: world.ids[name] for name in rule.arguments if name in world.ids})
        _STATE.clear()
        _STATE.update(key=key, client=client, url=url, names=_form_field_names(client, url, endpoint))
    return _STATE
