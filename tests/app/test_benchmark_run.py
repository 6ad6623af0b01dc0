"""The benchmark runner end to end on two tiny generated datasets of the suite's engine (SQLite, or PostgreSQL when
DATABASE_URL names it): gunicorn on a free port, every page and every target judged MET or MISS, the floors
replayed without error (the write's included), statement counts measured, and the datasets left as they were."""

from __future__ import annotations

import copy
import json
import os
import shutil
import statistics
from datetime import date

import pytest

from benchmarks import datasets, pages, report
from benchmarks.generate import generate
from benchmarks.run import Settings, run
from trainee_portal.maintenance.scratch import new_database

SIZES = (1500, 3000)
TRAINEES = 12


@pytest.fixture(scope="module")
def tiny_datasets():
    made = []
    try:
        for evidence in SIZES:
            url, drop = new_database(os.environ.get("DATABASE_URL", ""), "bench_run")
            made.append((url, drop))
            generate(url, TRAINEES, evidence, None, 1, date(2026, 11, 20), echo=lambda *a, **k: None)
        yield [url for url, _ in made]
    finally:
        for url, drop in made:
            drop()
            if datasets.engine_name(url) == "sqlite":
                shutil.rmtree(datasets.sqlite_path(url).parent, ignore_errors=True)


@pytest.fixture(scope="module")
def measured(tiny_datasets, tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    before = [datasets.fingerprint(url, content=True) for url in tiny_datasets]
    chosen = [datasets.named(url) for url in tiny_datasets]
    settings = Settings(requests=2, warmup=0, load_seconds=0.2, write_seconds=0.2, concurrency=2, workers=1, threads=2)
    results = run({chosen[0].engine: chosen}, settings, out, echo=lambda message: None)
    after = [datasets.fingerprint(url, content=True) for url in tiny_datasets]
    return results[0], out, before, after


def test_every_page_and_every_target_is_judged_met_or_miss(measured):
    result, out, _, _ = measured
    names = [p.name for p in [*pages.PAGES, pages.WRITE]]
    page_targets = {name: [v for v in result["targets"] if v["page"] == name] for name in names}
    assert all(len(page_targets[p.name]) == 6 for p in pages.PAGES)  # latency, floor x2, growth x2, statements
    assert len(page_targets[pages.WRITE.name]) == 3  # throughput share, statements, statements on both sizes
    overall = [v["target"] for v in result["targets"] if v["page"] is None]
    assert any("memory" in t for t in overall) and any("chart page" in t for t in overall)
    assert all(isinstance(v["met"], bool) for v in result["targets"])
    text = (out / f"{result['engine']}.txt").read_text()
    assert "served by gunicorn 1 gthread worker × 2 threads (the run's settings)" in text
    verdicts = [line for line in text.splitlines() if line.startswith("[")]
    assert len(verdicts) == len(result["targets"]) and all(v.startswith(("[MET ] ", "[MISS] ")) for v in verdicts)
    for name in names:
        assert name in text
    met = sum(v["met"] for v in result["targets"])
    assert f"{met} MET, {len(verdicts) - met} MISS of {len(verdicts)} targets" in text
    saved = json.loads((out / f"{result['engine']}.json").read_text())
    assert report.markdown([saved]).count("| MET ") + report.markdown([saved]).count("| MISS ") == len(verdicts)


def test_every_page_is_measured_at_both_sizes_with_its_floor(measured):
    result = measured[0]
    assert [s["dataset"]["evidence"] for s in result["sizes"]] == list(SIZES)
    assert not result["missing_pages"]
    for size in result["sizes"]:
        for name, page in size["pages"].items():
            assert not page.get("error"), (name, page.get("error"))
            assert page["median_ms"] > 0 and page["server_cpu_ms"] >= 0 and page["bytes"] > 0
            assert isinstance(page["sql_mode"], int) and page["sql_mode"] > 0
            floor = page["floor"]
            assert not floor.get("error"), (name, floor)  # the write's replay too: no collision on ids or hashes
            assert floor["wall_ms"] > floor["bare_ms"] > 0 and floor["ratio_wall"] > 0
            assert floor["raw"]["statements"] < page["sql_mode"]  # the framework's statements are the bare route's
            if name != pages.WRITE.name:  # a page's raw part is replayed in turn with it, as its bare route is
                assert floor["raw"]["timed"] == "in turn with the page" and floor["raw"]["n"] == 2, floor["raw"]
        for floor in [size["floors"]["plain"], *size["floors"]["bare"].values(), size["floors"]["bare_write"]]:
            assert not floor.get("error") and isinstance(floor["sql_mode"], int)
        for user, floor in size["floors"]["bare"].items():
            assert floor["sql_mode"] >= 2, user  # a signed-in request loads its user: never 0
        assert size["floors"]["bare_write"]["load"]["rps"] > 0 and not size["floors"]["bare_write"]["load"]["errors"]
        write_load, bare_load = size["pages"][pages.WRITE.name]["load"], size["floors"]["bare_write"]["load"]
        assert write_load["requests"] > 0
        assert len(write_load["rounds"]) == len(bare_load["rounds"]) == Settings().write_rounds
        assert write_load["share"] == round(statistics.median(write_load["shares"]), 3)  # a round with no bare request has none
        assert size["memory"]["peak_rss_mib_max"] > 0
        assert len(size["memory"]["workers"]) == result["served_by"]["workers"] == 1  # as recorded, so served
        assert size["transfer"]["first_chart_page_bytes"] > 0


def test_the_datasets_are_left_as_they_were(measured):
    result, _, before, after = measured
    assert before == after
    assert all(size["dataset_unchanged"] for size in result["sizes"])
    for size in result["sizes"]:  # and the throwaway copies measured went with the run
        copy = size["copy"]
        if datasets.engine_name(copy) == "sqlite":
            assert not datasets.sqlite_path(copy).parent.exists()
        else:
            assert not datasets.database_exists(copy)


def test_a_replay_that_fails_is_reported_not_raised_and_changes_nothing(tiny_datasets):
    url = tiny_datasets[0]
    before = datasets.fingerprint(url, content=True)
    clash = "INSERT INTO region (id, name, name_key, nation) VALUES (1, 'Again', 'again', 'england')"
    out = pages.replay(url, [("SELECT count(*) FROM region", None, False), (clash, None, False)], 3)
    assert "error" in out and "region" in out["statement"]
    assert datasets.fingerprint(url, content=True) == before


def test_an_unavailable_floor_and_a_ratio_just_over_are_misses(measured):
    result = copy.deepcopy(measured[0])
    large = result["sizes"][-1]["pages"]
    large["cohort dashboard"]["floor"] = {"error": "IntegrityError: a replayed key"}
    page, floor = large["stage page"], large["stage page"]["floor"]
    page["server_cpu_ms"] = round(2 * floor["cpu_ms"] + 0.01, 2)  # shows as 2.0x when rounded to two places
    page["median_ms"] = 2 * floor["wall_ms"]  # exactly twice: within
    verdicts = {(v["page"], v["target"].split(" (")[0]): v for v in report.targets(result)}
    for unit in ("wall", "CPU"):
        verdict = verdicts[("cohort dashboard", f"within 2x its floor, {unit}")]
        assert not verdict["met"] and "floor unavailable: IntegrityError" in verdict["detail"]
    assert not verdicts[("stage page", "within 2x its floor, CPU")]["met"]
    assert verdicts[("stage page", "within 2x its floor, wall")]["met"]


def test_growth_is_judged_against_the_bare_route_timed_beside_the_page(measured):
    """A machine that runs slower while the larger size is measured slows the bare route (whose work does not depend
    on the data) as much as the page: judged on the page's time over its bare route's, that is no growth. A page that
    grows while its bare route does not is still a miss, in wall time as in CPU."""
    result = copy.deepcopy(measured[0])
    little, big = (size["pages"] for size in (result["sizes"][0], result["sizes"][-1]))

    def sized(name, key, bare_key, before, after, bare_before, bare_after):
        little[name][key], big[name][key] = before, after
        little[name]["floor"][bare_key], big[name]["floor"][bare_key] = bare_before, bare_after

    sized("cohort dashboard", "median_ms", "bare_ms", 39.62, 65.32, 6.66, 10.18)  # all of it the machine's
    sized("cohort dashboard", "server_cpu_ms", "bare_cpu_ms", 40.0, 66.0, 6.0, 10.0)
    sized("exam pipeline", "median_ms", "bare_ms", 20.0, 28.0, 6.0, 6.1)  # the page's own
    sized("exam pipeline", "server_cpu_ms", "bare_cpu_ms", 20.0, 28.0, 6.0, 5.9)
    verdicts = {(v["page"], v["target"].split(" (")[0]): v for v in report.targets(result)}
    for unit in ("wall", "CPU"):
        drift = verdicts[("cohort dashboard", f"growth <= 1.3x, {unit}")]
        assert drift["met"] and "against its bare route" in drift["detail"]
        grown = verdicts[("exam pipeline", f"growth <= 1.3x, {unit}")]
        assert not grown["met"], grown["detail"]
    assert "1.649x" in verdicts[("cohort dashboard", "growth <= 1.3x, wall")]["detail"]  # the page's own ratio, shown
    for page in (little["stage page"], big["stage page"]):  # results kept before the bare route was timed beside
        del page["floor"]["bare_ms"], page["floor"]["bare_cpu_ms"]
    little["stage page"]["median_ms"], big["stage page"]["median_ms"] = 10.0, 13.5
    verdict = {(v["page"], v["target"].split(" (")[0]): v for v in report.targets(result)}[("stage page", "growth <= 1.3x, wall")]
    assert not verdict["met"] and verdict["detail"] == "1.350x (10.0 -> 13.5 ms)"
