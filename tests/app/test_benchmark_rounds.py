"""The write's throughput is judged against the bare INSERT route's in alternating rounds: the order alternates, each
round's share is kept, the judged share is their median and the totals are over every round."""

from __future__ import annotations

from benchmarks import report
from benchmarks.run import alternating_loads


def _job(name, calls, rps_by_round):
    def run(seconds):
        calls.append((name, seconds))
        rps = rps_by_round[sum(1 for n, _ in calls if n == name) - 1]
        return {"clients": 4, "rps": rps, "requests": int(rps * seconds), "elapsed_s": seconds, "errors": [], "error_count": 0}

    return run


def test_the_rounds_alternate_and_the_median_share_is_judged():
    calls = []
    write, bare = alternating_loads(3, _job("write", calls, [100, 260, 150]), _job("bare", calls, [400, 400, 200]), seconds=12)
    assert calls == [("bare", 4), ("write", 4), ("write", 4), ("bare", 4), ("bare", 4), ("write", 4)]
    assert write["shares"] == [0.25, 0.65, 0.75] and write["share"] == 0.65
    assert write["rounds"] == [100, 260, 150] and bare["rounds"] == [400, 400, 200]
    assert write["rps"] == round((100 + 260 + 150) * 4 / 12, 1) and bare["rps"] == round(1000 * 4 / 12, 1)


def _result(write_load, bare_load):
    size = {
        "dataset": {"evidence": 100},
        "pages": {report.WRITE: {"sql_mode": 5, "load": write_load}},
        "floors": {"bare_write": {"load": bare_load}},
    }
    return {"sizes": [size, size], "page_names": [report.WRITE], "page_targets": {}}


def test_the_verdict_reads_the_median_share_not_the_totals():
    """Totals of 0.45 (one slow round) but a median round at 0.5: MET; and the other way round, MISS."""
    calls = []
    write, bare = alternating_loads(3, _job("write", calls, [50, 200, 200]), _job("bare", calls, [400, 400, 400]), 3)
    verdict = report.targets(_result(write, bare))[0]
    assert verdict["met"] and "median share of 3 alternating rounds 0.5" in verdict["detail"], verdict
    calls = []
    write, bare = alternating_loads(3, _job("write", calls, [400, 190, 190]), _job("bare", calls, [400, 400, 400]), 3)
    assert write["rps"] / bare["rps"] > 0.5
    verdict = report.targets(_result(write, bare))[0]
    assert not verdict["met"], verdict
