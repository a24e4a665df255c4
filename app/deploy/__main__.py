"""Entry point for ``python -m app.deploy``."""

from app.deploy.cli import main

raise SystemExit(main(exiting=True))
