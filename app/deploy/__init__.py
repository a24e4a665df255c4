"""The release tool: rolls an image tag out to every target the deploy manifest names.

Run it as ``python -m app.deploy``; see docs/app-release.md.
"""
