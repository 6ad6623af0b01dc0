"""GET /api/v1/curricula and /api/v1/curricula/{version}: every version the portal knows, and one version's stages,
competencies and evidence rules with the words and sources the competency pages show."""

from __future__ import annotations

import html

import pytest

from tests.factories import TraineeFactory
from tests.support.api import assert_problem, bearer
from trainee_portal import curricula


def test_the_list_names_every_version_and_its_stages(client):
    body = client.get("/api/v1/curricula", headers=bearer(TraineeFactory())).get_json()
    registry = curricula.registry()
    assert [c["version"] for c in body["curricula"]] == list(registry.versions())
    for item in body["curricula"]:
        assert [s["key"] for s in item["stages"]] == [s.key for s in registry.get(item["version"]).stages]


def test_a_version_has_each_rule_as_the_competency_page_shows_it(client, login):
    trainee = TraineeFactory()
    body = client.get("/api/v1/curricula/2021", headers=bearer(trainee)).get_json()
    c = curricula.curriculum("2021")
    assert body["version"] == "2021" and body["title"] == c.title
    codes = [comp["code"] for s in body["stages"] for d in s["domains"] for comp in d["competencies"]]
    assert codes == [comp.code for comp in c.competencies]
    higher = next(s for s in body["stages"] if s["level"] == "higher")
    competency = next(comp for d in higher["domains"] for comp in d["competencies"] if comp["code"] == "S3_PM_01")
    assert competency["evidence"], competency
    page = html.unescape(login(trainee).get("/higher/competency/S3_PM_01").get_data(as_text=True))
    for rule in competency["evidence"]:
        assert rule["description"] in page and rule["origin"] in page, rule
    sourced = [s for st in body["stages"] for s in st["sources"]]
    assert sourced and all(s["citation"] for s in sourced)
    for source in sourced:
        known = c.sources.get(source["key"])
        assert known is not None and source["citation"] == known.citation


@pytest.mark.parametrize("version", ["1999", "x" * 300, "2021'--", "%00"])
def test_an_unknown_version_is_404(client, version):
    assert_problem(client.get(f"/api/v1/curricula/{version}", headers=bearer(TraineeFactory())), 404)


def test_curricula_need_a_token_with_read_and_answer_304_to_their_etag(client):
    trainee = TraineeFactory()
    assert_problem(client.get("/api/v1/curricula"), 401)
    assert_problem(client.get("/api/v1/curricula/2021", headers=bearer(trainee, ("evidence:write",))), 403)
    headers = bearer(trainee)
    etag = client.get("/api/v1/curricula/2021", headers=headers).headers["ETag"]
    assert client.get("/api/v1/curricula/2021", headers={**headers, "If-None-Match": etag}).status_code == 304
    other = client.get("/api/v1/curricula/2010", headers={**headers, "If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag
