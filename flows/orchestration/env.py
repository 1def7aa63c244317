"""The environment duban gives Prefect: its own home and database under ``var/``, no telemetry.

Prefect reads these variables when it is imported, so :func:`apply_client_env` runs before any
``import prefect`` in a process that talks to duban's server.
"""

from __future__ import annotations

import os
from pathlib import Path

from config.settings import Settings


def server_url(settings: Settings) -> str:
    """The API URL of duban's Prefect server."""
    return f"http://{settings.ui_host}:{settings.ui_port}/api"


def prefect_home(settings: Settings) -> Path:
    return (settings.var_dir / "prefect").resolve()


def server_env(settings: Settings) -> dict[str, str]:
    """Variables for the `prefect server start` process."""
    home = prefect_home(settings)
    db = settings.prefect_database_url or f"sqlite+aiosqlite:///{(home / 'prefect.db').as_posix()}"
    env = {
        "PREFECT_HOME": str(home),
        "PREFECT_API_DATABASE_CONNECTION_URL": db,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_API_HOST": settings.ui_host,
        "PREFECT_SERVER_API_PORT": str(settings.ui_port),
        "PREFECT_UI_API_URL": server_url(settings),
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
        # Show a year of scheduled runs (the default is 100 days), so next April is visible in the UI.
        "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_SCHEDULED_TIME": "P400D",
        "PREFECT_SERVER_SERVICES_SCHEDULER_MIN_SCHEDULED_TIME": "P1D",
    }
    if settings.ui_auth is not None:
        env["PREFECT_SERVER_API_AUTH_STRING"] = settings.ui_auth.get_secret_value()
    return env


def client_env(settings: Settings) -> dict[str, str]:
    """Variables for a process that runs or serves flows against duban's server."""
    env = {
        "PREFECT_HOME": str(prefect_home(settings)),
        "PREFECT_API_URL": server_url(settings),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_CLIENT_ENABLE_METRICS": "false",
    }
    if settings.ui_auth is not None:
        env["PREFECT_API_AUTH_STRING"] = settings.ui_auth.get_secret_value()
    return env


def apply_client_env(settings: Settings) -> None:
    """Point this process's Prefect client at duban's server (call before importing prefect)."""
    os.environ.update(client_env(settings))
