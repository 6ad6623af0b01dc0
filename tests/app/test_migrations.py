"""The schema comes only from migrations: upgrade from empty works, matches the models, and downgrades cleanly."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from tests.conftest import create_test_database, make_test_config
from trainee_portal import create_app
from trainee_portal.extensions import db


def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations disagree: run scripts/regen-initial-migration or add a revision: {differences}"


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
