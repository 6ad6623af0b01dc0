"""Operational tasks kept apart from the features: database backup and restore (see commands.py)."""
