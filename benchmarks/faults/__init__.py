"""Load with faults: concurrent trainees and supervisors against gunicorn while a worker is killed and the database restarts."""
