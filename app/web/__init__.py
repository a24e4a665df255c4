"""The web image's application: a small notes board (HTML page plus JSON API) on Flask.

Its imports are relative, so the same code runs as ``app.web`` in this repository's
tests and as the top-level package ``web`` inside the image (see the Dockerfile).
"""

from .application import create_app

__all__ = ["create_app"]
