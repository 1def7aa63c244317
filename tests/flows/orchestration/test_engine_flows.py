"""The `sweep` and `dispatch` flows against a real Prefect server, delivering to a real SMTP catcher."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from config.settings import get_settings
from flows.ops.commands import init_database, load_plan_path
from models.dates import FixedClock, use_clock
from notifications.channels.contacts import default_contacts_yaml
from notifications.channels.mailcatcher import MailCatcher
from tests.conftest import SEED_PLAN, seed_obligations
from tests.models.engine.conftest import FIRST_MONDAY, pending_by_kind
from tests.notifications.helpers import write_contacts

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2015, 11, 30, 9, 30, tzinfo=TZ)
ENQUEUED = sum(FIRST_MONDAY.values())
RECENT = 50  # rows the recent-messages artifact shows (the newest)


def test_sweep_then_dispatch_flows_deliver_once(prefect_api: str, db_url: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.client.orchestration import get_client

    from flows.orchestration.engine import dispatch_flow, sweep_flow

    init_database()
    load_plan_path(SEED_PLAN)
    with MailCatcher(tmp_path / "mail") as catcher:
        from flows.ops.commands import engine_for

        with engine_for().connect() as conn:
            import sqlalchemy as sa

            units = [(str(c), str(n)) for c, n in conn.execute(sa.text("SELECT code, name FROM unit"))]
        path = write_contacts(tmp_path, default_contacts_yaml(units, smtp_host="127.0.0.1", smtp_port=catcher.port))
        monkeypatch.setenv("DUBAN_CONTACTS", str(path))
        get_settings.cache_clear()
        swept = sweep_flow(as_of=MONDAY)
        assert swept["generated"]["total"] == seed_obligations()
        assert swept["swept"]["enqueued"] == ENQUEUED
        assert pending_by_kind(engine_for()) == FIRST_MONDAY
        assert sweep_flow(as_of=MONDAY)["swept"]["enqueued"] == 0
        with engine_for().connect() as conn:  # one message per recipient today: its decisions travel together
            recipients = conn.execute(sa.text("SELECT COUNT(DISTINCT recipient) FROM outbox WHERE status = 'pending'")
                                      ).scalar_one()
        assert 1 < recipients < ENQUEUED
        with use_clock(FixedClock(MONDAY)):
            first = dispatch_flow()
            second = dispatch_flow()
        assert (first["sent"], first["failed"], second["claimed"]) == (recipients, 0, 0)
        assert len(catcher.messages()) == recipients
        with engine_for().connect() as conn:  # every decision went out, carried by itself or by a digest
            carried = conn.execute(sa.text(
                "SELECT COUNT(*) FROM outbox m JOIN outbox c ON c.id = m.digest_id "
                "WHERE m.stage <> 'digest' AND c.status = 'sent'")).scalar_one()
        assert carried == ENQUEUED
    with get_client(sync_client=True) as client:
        latest = {a.key: a for a in client.read_latest_artifacts()}
    assert "recent-messages" in latest
    data = latest["recent-messages"].data
    table = json.loads(data) if isinstance(data, str) else data
    assert len(table) == min(recipients, RECENT) and any(row["标题"].startswith("【提醒】") for row in table)


def test_sweep_refuses_a_naive_as_of(prefect_api: str, db_url: str) -> None:
    from flows.orchestration.engine import sweep_flow

    init_database()
    with pytest.raises(ValueError, match="time zone"):
        sweep_flow(as_of=dt.datetime(2015, 11, 30, 9, 30))
