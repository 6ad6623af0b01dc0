"""The cohort dashboard's "Trainees per stage" chart counts each curriculum apart, each stage under its own
curriculum's name: a 2010 Higher trainee and a 2021 Stage 3 trainee are two bars, never one "Higher / Stage 3"."""

from __future__ import annotations

import json
import re

from tests import factories as make
from tests.factories import direct
from trainee_portal import curricula


def _figure(page: str, chart_id: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{chart_id}-data">(.*?)</script>', page, re.DOTALL)
    assert found, f"no {chart_id} on the page"
    return json.loads(found.group(1))


def test_trainees_per_stage_is_one_series_per_curriculum_with_its_own_stage_names(app, client, login):
    region = make.RegionFactory(name="Wessex")
    director = make.DirectorFactory()
    direct(director, region=region)
    for _ in range(2):
        make.TraineeFactory(profile__region=region, profile__curriculum_version="2021", profile__current_stage="higher")
    make.TraineeFactory(profile__region=region, profile__curriculum_version="2010", profile__current_stage="higher")
    login(director)
    page = client.get("/cohort").data.decode()

    figure = _figure(page, "chart-stages")
    traces = {trace["name"]: dict(zip(trace["y"], trace["x"])) for trace in figure["data"]}  # stages down the side
    assert set(traces) == {"2021 curriculum", "2010 curriculum"}  # most trainees first
    assert [t["name"] for t in figure["data"]] == ["2021 curriculum", "2010 curriculum"]
    stage3 = curricula.stage_name("2021", "higher")
    higher_2010 = curricula.stage_name("2010", "higher")
    assert stage3 != higher_2010
    assert traces["2021 curriculum"][stage3] == 2 and traces["2010 curriculum"][higher_2010] == 1
    assert sum(traces["2021 curriculum"].values()) == 2 and sum(traces["2010 curriculum"].values()) == 1
    assert "Higher / Stage 3" not in json.dumps(figure)
    # 2021's two SIAs share one slot: one bar named by what their names share.
    sias = [stage.name for stage in curricula.curriculum("2021").stages_at("advanced")]
    assert len(sias) == 2 and all(name not in traces["2021 curriculum"] for name in sias)
    assert any(all(name.startswith(label) for name in sias) for label in traces["2021 curriculum"])
    # The figures' table: curriculum, stage and trainees, each cell with its heading on a phone.
    assert re.search(r'aria-hidden="true">Curriculum </span>2010 curriculum</th>', page)


def test_trainees_per_stage_with_one_curriculum_has_no_legend(app, client, login):
    region = make.RegionFactory(name="Mersey")
    director = make.DirectorFactory()
    direct(director, region=region)
    make.TraineeFactory(profile__region=region)
    login(director)
    figure = _figure(client.get("/cohort").data.decode(), "chart-stages")
    assert [trace["name"] for trace in figure["data"]] == ["2021 curriculum"]
    assert figure["layout"]["showlegend"] is False
