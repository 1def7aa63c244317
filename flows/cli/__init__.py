"""The ``duban`` command line (typer). No Prefect at import: commands import what they need when run."""

from flows.cli.main import app, main

__all__ = ["app", "main"]
