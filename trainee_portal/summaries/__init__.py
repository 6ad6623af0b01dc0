"""Read models kept on every write, in the same transaction as the change, and rebuilt from scratch by
`flask recompute-progress` (progress.recompute_all).

SUMMARY_COLUMNS names, for each table that is a read model, the columns that must come out of a recompute exactly as
the writes left them (a table's key columns first). A property-based test compares them after random sequences of
writes with a recompute's result, so every read model added here is checked without a test of its own.
"""

from __future__ import annotations

# table name → the columns compared (identity first; timestamps of the refresh itself are left out)
SUMMARY_COLUMNS: dict[str, tuple[str, ...]] = {
    "evidence_tally": ("trainee_id", "competency_code", "evidence_type", "supervision_level", "status", "count"),
    "trainee_progress": (
        "trainee_id",
        "stage_key",
        "stage_level",
        "percent",
        "competencies_total",
        "competencies_complete",
        "competencies_in_progress",
        "ready_for_signoff",
        "complete",
        "carried_percent",
    ),
    "supervisor_response_day": ("supervisor_id", "trainee_id", "decided_on", "days_to_decision", "count"),
    "arcp_panel_trainee": ("panel_id", "trainee_id", "readiness", "readiness_detail"),
    "trainee_summary": (
        "trainee_id",
        "pending",
        "oldest_pending_at",
        "mcq_attempts",
        "soe_attempts",
        "mcq_passed_on",
        "soe_passed_on",
        "mcq_expires_on",
        "rapm_confirmed_on",
        "mcq_late",
        "mcq_none_left",
        "soe_late",
        "soe_none_left",
        *(f"{part}_{name}" for part in ("mcq", "soe") for name in ("open", "sits_from", "sits_until", "gap_from")),
        *(f"{part}_{name}" for part in ("mcq", "soe") for name in ("gap_until", "closes_from", "extra_training")),
        "exam_version",
        "domain_percents",
    ),
    "supervisor_response_recent": ("supervisor_id", "trainee_id", "last_decided_on", "counted_from", "days_histogram"),
    "evidence_week": (
        "trainee_id",
        "stage_level",
        "week_ends_on",
        "evidence_type",
        "supervision_level",
        "status",
        "competency_code",
        "count",
    ),
}
