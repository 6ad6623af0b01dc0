"""WSGI entry point: `gunicorn wsgi:app`, and `flask --app wsgi <command>`."""

from trainee_portal import create_app

app = create_app()
