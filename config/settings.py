"""duban's settings: one pydantic-settings class, read from ``DUBAN_*`` variables and ``.env``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_PLAN = CONFIG_DIR / "plans" / "xinyi-2015-2017.yaml"


class Settings(BaseSettings):
    """Every setting duban reads. Environment variables are ``DUBAN_<FIELD>`` in upper case."""

    model_config = SettingsConfigDict(env_prefix="DUBAN_", env_file=".env", extra="ignore")

    var_dir: Path = Field(
        default=Path("var"),
        description="Where duban keeps its state: the SQLite database, Prefect's home, caught mail.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of duban's database; default sqlite:///<var_dir>/duban.db. "
        "For PostgreSQL: postgresql+psycopg://user@host:5432/dbname.",
    )
    plan: Path = Field(default=DEFAULT_PLAN, description="The plan file `make run` loads and `duban up` serves.")
    plans_dir: Path = Field(
        default=CONFIG_DIR / "plans",
        description="The only directory the `load-plan` deployment reads plan files from (a relative path "
        "typed into the UI is taken inside it; anything resolving outside, symlinks included, is refused). "
        "`duban plan load PATH` on the command line reads any path.",
    )
    ui_host: str = Field(default="127.0.0.1", description="Address the Prefect server (UI and API) listens on.")
    ui_port: int = Field(default=4200, ge=1, le=65535, description="Port of the Prefect server (UI and API).")
    ui_auth: SecretStr | None = Field(
        default=None, description="Optional basic auth for the UI and API, as user:password."
    )
    prefect_database_url: str | None = Field(
        default=None,
        description="Database of the Prefect server; default its own SQLite file under <var_dir>/prefect.",
    )
    timezone: str = Field(
        default="Asia/Shanghai", description="The IANA zone every deadline, send time and schedule is in."
    )
    working_hours_start: str = Field(default="09:00", description="Sends wait until this local time (HH:MM).")
    working_hours_end: str = Field(
        default="17:30", description="Sends from this local time on (HH:MM) wait for the next working day."
    )
    calendar_dir: Path = Field(
        default=CONFIG_DIR / "calendar",
        description="Operator-entered working-calendar years (<year>.yaml from the State Council notice).",
    )
    calendar_missing: Literal["weekends", "error"] = Field(
        default="weekends",
        description="For a year with no calendar data: treat Mon-Fri as working days (and say so), or refuse.",
    )

    escalation: Path = Field(
        default=CONFIG_DIR / "escalation.yaml", description="The escalation ladder per duty (YAML)."
    )
    contacts: Path | None = Field(
        default=None,
        description="Contacts in Apprise's YAML config format (tags unit-<code>, role-<role>). Unset: "
        "`duban up` routes every tag to a local mail catcher and writes <var_dir>/contacts.yaml.",
    )
    mail_catcher_port: int = Field(
        default=2525, ge=0, le=65535, description="Port of the local SMTP catcher `duban up` starts without contacts."
    )
    send_max_attempts: int = Field(
        default=10, ge=1, le=50,
        description="Attempts before a message is failed; 10 at the default backoff outlast a day-long outage.",
    )
    send_backoff_minutes: float = Field(
        default=5.0, gt=0, description="First retry delay; doubles per attempt up to 4 hours."
    )

    circular_prefix: str = Field(
        default="督查",
        description="Prefix of the circulars' document numbers: <prefix>〔<year>〕<n>号, n counting that year's "
        "inspections.",
    )

    def resolved_database_url(self) -> str:
        """The database URL, with the SQLite default under ``var_dir`` filled in."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'duban.db').as_posix()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once. Tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
