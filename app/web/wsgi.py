"""The WSGI entry point gunicorn loads: ``web.wsgi:app`` in the image."""

from .application import create_app

app = create_app()
