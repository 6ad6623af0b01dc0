"""The schema comes only from migrations: upgrade from empty works, matches the models, and downgrades cleanly."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from tests.conftest import create_test_database, make_test_config
from trainee_portal import create_app
from trainee_portal.extensions import db


def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], (
        f"models and migrations disagree: run scripts/regen-initial-migration or add a revision: {differences}"
    )


def test_upgrade_from_empty_then_downgrade_to_nothing(instance_dir):
    url, drop = create_test_database("portal_migrate")
    try:
        fresh = create_app(make_test_config(url, instance_dir))
        with fresh.app_context():
            upgrade()
            tables = set(inspect(db.engine).get_table_names())
            assert {"user", "trainee_profile", "evidence_entry", "audit_record", "trainee_progress"} <= tables
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            db.engine.dispose()
    finally:
        drop()


def test_0002_turns_old_outside_assessor_signatures_into_unconfirmed_ones(instance_dir):
    """Before 0002 a signature through an assessor link counted; after it, it waits for confirmation and the entry
    it alone signed goes back to submitted, its tally claims with it. A supervisor's signature is untouched."""
    url, drop = create_test_database("portal_migrate_assurance")
    try:
        fresh = create_app(make_test_config(url, instance_dir))
        with fresh.app_context():
            upgrade(revision="0001")
            with db.engine.begin() as connection:
                run = lambda sql, **values: connection.execute(text(sql), values)  # noqa: E731
                run(
                    'INSERT INTO "user" (id, email, name, password_hash, active, must_change_password, created_at) '
                    "VALUES (1, 't@example.org', 'Trainee', 'x', :yes, :no, :now), "
                    "(2, 's@example.org', 'Supervisor', 'x', :yes, :no, :now)",
                    yes=True,
                    no=False,
                    now=datetime(2026, 1, 1),
                )
                for entry_id in (10, 11):
                    run(
                        "INSERT INTO evidence_entry (id, trainee_id, evidence_type, stage_level, occurred_on, title, notes, "
                        "reflection, status, version, created_at, updated_at, signed_at, supervision_level) VALUES "
                        "(:id, 1, 'wba.dops', 'higher', :on, 'Block', '', '', 'signed', 1, :now, :now, :now, '2b')",
                        id=entry_id,
                        on=date(2026, 1, 1),
                        now=datetime(2026, 1, 2),
                    )
                    run("INSERT INTO evidence_competency (evidence_id, competency_code) VALUES (:id, 'S3_PM_03')", id=entry_id)
                run(
                    "INSERT INTO sign_off_request (id, evidence_id, requested_by_id, assessor_email, status, created_at) "
                    "VALUES (20, 10, 1, 'someone@example.org', 'signed', :now)",
                    now=datetime(2026, 1, 2),
                )
                run(
                    "INSERT INTO sign_off_request (id, evidence_id, requested_by_id, supervisor_id, status, created_at) "
                    "VALUES (21, 11, 1, 2, 'signed', :now)",
                    now=datetime(2026, 1, 2),
                )
                run(
                    "INSERT INTO sign_off (id, evidence_id, request_id, signer_id, assessor_name, supervision_level, feedback, "
                    "content_hash, signed_at) VALUES (30, 10, 20, NULL, 'Dr Anyone', '2b', '', 'h', :now), "
                    "(31, 11, 21, 2, NULL, '2b', '', 'h', :now)",
                    now=datetime(2026, 1, 2),
                )
                run(
                    "INSERT INTO evidence_tally (trainee_id, competency_code, evidence_type, supervision_level, status, count) "
                    "VALUES (1, 'S3_PM_03', 'wba.dops', '2b', 'signed', 2)"
                )
            upgrade(revision="0002")
            with db.engine.connect() as connection:
                signoffs = connection.execute(text("SELECT id, assurance, assessor_email FROM sign_off ORDER BY id")).all()
                entries = connection.execute(text("SELECT id, status, signed_at FROM evidence_entry ORDER BY id")).all()
                tally = connection.execute(text("SELECT status, count FROM evidence_tally ORDER BY status")).all()
            assert [tuple(row) for row in signoffs] == [(30, "unconfirmed", "someone@example.org"), (31, "supervisor", None)]
            assert [(row[0], row[1], row[2] is None) for row in entries] == [(10, "submitted", True), (11, "signed", False)]
            assert [tuple(row) for row in tally] == [("signed", 1), ("submitted", 1)]
            db.engine.dispose()
    finally:
        drop()


def test_0020_fills_the_evidence_weeks_as_the_writes_keep_them(instance_dir):
    """Upgrading a database that already holds evidence fills evidence_week with what the writes would have kept:
    downgraded past 0020 and upgraded again, the rows are those the factories' writes left (drafts, signed entries,
    several stages, an entry without competencies, a superseded one)."""
    from tests.factories import EvidenceFactory, TraineeFactory
    from trainee_portal.models import EvidenceWeek

    url, drop = create_test_database("portal_migrate_weeks")
    try:
        fresh = create_app(make_test_config(url, instance_dir))
        with fresh.app_context():
            upgrade()
            for trainee in (TraineeFactory(), TraineeFactory()):
                day = trainee.trainee_profile.stage_started_on
                EvidenceFactory(trainee=trainee, occurred_on=day, codes=("S3_PM_01", "S3_PM_02"), status="signed")
                EvidenceFactory(trainee=trainee, occurred_on=day + timedelta(days=9), codes=("S3_PM_01",))
                EvidenceFactory(trainee=trainee, occurred_on=day + timedelta(days=10), codes=(), evidence_type="reflection")
                EvidenceFactory(trainee=trainee, occurred_on=day, codes=("S2_PM_01",), stage_level="intermediate")
                EvidenceFactory(trainee=trainee, occurred_on=day, codes=("S3_PM_03",), superseded_at=datetime(2026, 1, 1))
            db.session.commit()
            kept = sorted(tuple(row) for row in db.session.execute(select(*EvidenceWeek.__table__.columns)))
            assert len(kept) >= 12
            db.session.remove()
            downgrade(revision="0019_page_reads")
            assert "evidence_week" not in inspect(db.engine).get_table_names()
            upgrade()
            assert sorted(tuple(row) for row in db.session.execute(select(*EvidenceWeek.__table__.columns))) == kept
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
