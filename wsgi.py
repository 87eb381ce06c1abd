"""Entry point for gunicorn: ``gunicorn wsgi:app``. The only place an app is created at import."""

from surveyapp import create_app

app = create_app()
