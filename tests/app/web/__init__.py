"""Tests for app/web: the notes board, its gunicorn settings, and its Dockerfile."""
