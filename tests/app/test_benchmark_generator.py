"""The benchmark dataset generator on a tiny size: consistent counts, a verifying audit chain, true summaries."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select, text

from benchmarks.dataset import PENDING_PER_TRAINEE, DatasetBuilder, Sizes
from benchmarks.loader import BulkLoader, analyze
from trainee_portal import audit, curricula, models
from trainee_portal.extensions import db
from trainee_portal.integrity import verify_all
from trainee_portal.summaries import progress


def _load(sizes: Sizes) -> BulkLoader:
    builder = DatasetBuilder(sizes, curricula.registry(), "pbkdf2:sha256:1000$salt$hash")
    loader = BulkLoader(db.engine)
    for rows in [builder.people()]:
        for table, items in rows.items():
            loader.write(table, items)
    exams = builder.exams_and_reviews()
    loader.write("exam_sitting", exams.pop("exam_sitting"))
    for batch in builder.evidence_batches(batch_trainees=2):
        for table, items in batch.items():
            loader.write(table, items)
    for table, items in exams.items():
        loader.write(table, items)
    for batch in builder.audit_batches(batch=100):
        for table, items in batch.items():
            loader.write(table, items)
    loader.finish()
    db.session.remove()
    progress.recompute_all()
    db.session.commit()
    return loader


def _snapshot():
    tallies = sorted(
        tuple(getattr(t, c) for c in ("trainee_id", "competency_code", "evidence_type", "supervision_level", "status", "count"))
        for t in db.session.scalars(select(models.EvidenceTally))
    )
    stages = sorted(
        (p.trainee_id, p.stage_key, p.percent, p.competencies_complete, p.ready_for_signoff)
        for p in db.session.scalars(select(models.TraineeProgress))
    )
    return tallies, stages


@pytest.fixture
def tiny(app):
    sizes = Sizes(trainees=5, evidence=500, signoffs=100, seed=7, today=date(2026, 11, 20))
    return sizes, _load(sizes)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_tiny_dataset_has_the_requested_sizes(tiny):
    sizes, loader = tiny
    assert count(models.TraineeProfile) == 5
    assert count(models.EvidenceEntry) == 500
    assert count(models.SignOff) == 100
    assert db.session.scalar(select(func.count()).where(models.EvidenceEntry.status == "signed")) == 100
    assert count(models.EvidenceCompetency) >= 500
    assert count(models.SignOffRequest) == db.session.scalar(select(func.count()).where(models.EvidenceEntry.status != "draft"))
    assert count(models.User) == loader.counts["user"]


def test_the_loaded_dataset_is_left_analysed_and_on_postgresql_vacuumed(tiny):
    """As a settled server leaves it: statistics for the planner, and on PostgreSQL the pages marked all-visible, so
    index-only scans read no table rows whether or not autovacuum has come by (or is on)."""
    db.session.commit()
    analyze(db.engine)
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            visible, pages = conn.execute(
                text("SELECT relallvisible, relpages FROM pg_class WHERE relname = 'evidence_entry'")
            ).one()
            assert pages > 0 and visible == pages, (visible, pages)
        else:
            assert conn.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'evidence_entry'")) > 0


def test_every_signature_covers_its_entry_content(tiny):
    for signoff in db.session.scalars(select(models.SignOff).limit(50)):
        assert signoff.content_hash == signoff.evidence.compute_content_hash()
        assert signoff.request.status == "signed"


def test_generated_audit_chain_verifies_and_appending_continues_it(tiny):
    records = count(models.AuditRecord)
    assert records == count(models.SignOffRequest) + db.session.scalar(
        select(func.count()).select_from(models.SignOffRequest).where(models.SignOffRequest.decided_at.is_not(None))
    ) + count(models.ExamAttempt) + count(models.ArcpOutcome) + count(models.RapmConfirmation) + count(models.ArcpPanel)
    report = audit.verify_chain(batch_size=200)
    assert report.ok, report.reason
    assert report.checked == records
    audit.append("benchmark.check", subject_type="test", subject_id=None, payload={})
    db.session.commit()
    assert audit.verify_chain().ok


def test_generated_dataset_passes_the_full_integrity_check(tiny):
    report = verify_all(batch_trainees=4)
    assert report.ok, report.problems
    assert report.checked["sign-offs"] == 100 and report.checked["evidence entries"] == 500
    assert report.checked["ARCP outcomes"] == count(models.ArcpOutcome) > 0
    assert report.checked.get("exam results", 0) == count(models.ExamAttempt)
    assert not report.warnings


def test_progress_summaries_equal_a_fresh_recompute(tiny):
    before = _snapshot()
    assert before[0] and before[1]
    progress.recompute_all()
    db.session.commit()
    assert _snapshot() == before


def test_each_region_with_trainees_has_a_panel_whose_readiness_is_worked_out(tiny, clock):
    clock.set(tiny[0].today)  # readiness is kept up to each panel's cut-off, counted from the dataset's day
    progress.recompute_all()
    db.session.commit()
    rows = db.session.scalars(select(models.ArcpPanelTrainee)).all()
    assert len(rows) == count(models.TraineeProfile) == 5
    assert all(r.readiness_at is not None and r.readiness in ("red", "amber", "green") for r in rows)
    assert count(models.ArcpPanel) == len({r.panel_id for r in rows})


def test_same_seed_gives_the_same_rows():
    sizes = Sizes(trainees=3, evidence=120, signoffs=20, seed=3, today=date(2026, 11, 20))
    registry = curricula._shipped()

    def rows():
        builder = DatasetBuilder(sizes, registry, "hash")
        people = builder.people()
        evidence = [b for b in builder.evidence_batches()]
        return people, evidence, list(builder.audit_batches())

    assert rows() == rows()


def test_as_many_requests_wait_for_each_trainee_at_every_size(app):
    """A request waits days: how many wait depends on the trainees logging now, not on how much they logged before,
    so the supervisor's queue shows the same rows whatever the size (its growth measures the data behind it)."""
    waiting = {}
    for evidence in (400, 4000):
        sizes = Sizes(trainees=4, evidence=evidence, signoffs=evidence // 5, seed=3, today=date(2026, 11, 20))
        builder = DatasetBuilder(sizes, curricula.registry(), "pbkdf2:sha256:1000$salt$hash")
        builder.people()
        requests = [r for batch in builder.evidence_batches(batch_trainees=2) for r in batch["sign_off_request"]]
        waiting[evidence] = Counter(r["requested_by_id"] for r in requests if r["status"] == "pending")
    assert waiting[400] == waiting[4000]
    assert sorted(waiting[400].values()) == [PENDING_PER_TRAINEE] * 4
