"""A sender that writes one JSON object per message per recipient, one per line (for `duban simulate`).

Each recipient has one target here (the file), so the dispatcher calls :meth:`JsonlSender.send` once per message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from datetime import datetime
from typing import IO

from models.dates import to_local
from notifications.delivery.dispatch import Job, Outcome
from notifications.delivery.targets import Target, TargetOutcome

JSONL_TARGET = Target(id="jsonl", url="jsonl://", service="jsonl")


class JsonlSender:
    """Writes each job as a JSON line instead of delivering it; every send succeeds."""

    def __init__(self, stream: IO[str], clock: Callable[[], datetime]) -> None:
        self.stream = stream
        self.clock = clock
        self.count = 0

    def targets(self, job: Job) -> tuple[Target, ...]:
        """The one target of every recipient: the file."""
        return (JSONL_TARGET,)

    def send(self, job: Job, only: Collection[str] | None = None) -> Outcome:
        """Write the job as one line (``only`` is ignored: there is one target)."""
        record = {
            "sent_at": to_local(self.clock()).isoformat(timespec="seconds"),
            "outbox": job.outbox_id,
            "obligation": job.meta.get("obligation"),
            "duty": job.meta.get("duty", job.stage),
            "duty_code": job.meta.get("duty_code"),
            "unit": job.meta.get("unit"),
            "level": job.level,
            "stage": job.stage,
            "stage_key": job.meta.get("stage_key"),
            "role": job.role,
            "due_on": job.meta.get("due_on"),
            "nominal_due_on": job.meta.get("nominal_due_on"),
            "holiday_rule": job.meta.get("holiday_rule"),
            "tags": job.recipient.split("+"),
            "members": job.meta.get("members"),  # a digest's obligations, in order; null for a single message
            "stages": job.meta.get("stages"),  # and the stage of each
            "doc_no": job.meta.get("doc_no") or None,  # the 督办单 number it carries
            # every ladder decision it carries (one for a single ladder message, several for a digest, none for
            # a notice): obligation, stage, stage_key, level, duty, duty_code, unit, due_on, nominal_due_on…
            "decisions": job.meta.get("decisions", []),
            "title": job.message.title,
            "body": job.message.body,
        }
        self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.count += 1
        return Outcome(targets=(TargetOutcome(url=JSONL_TARGET.url, service=JSONL_TARGET.service, ok=True,
                                              target=JSONL_TARGET.id),))
