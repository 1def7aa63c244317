"""The dispatcher's real sender: routes a job to its recipient's contacts through Apprise."""

from __future__ import annotations

from models.enums import Role, recipient_key
from notifications.channels.contacts import Contacts, Recipient
from notifications.channels.send import AppriseSender
from notifications.delivery.dispatch import Job, Outcome
from notifications.delivery.outbox import FALLBACK_RECIPIENT, TargetOutcome

COORDINATOR = recipient_key(Role.COORDINATOR)


class ContactsSender:
    """Sends jobs to the configured contacts; undeliverable-message reports fall back to the coordinator."""

    def __init__(self, contacts: Contacts, *, min_gap_seconds: float | None = None) -> None:
        self.contacts = contacts
        self.sender = AppriseSender(contacts, min_gap_seconds=min_gap_seconds)

    def _route(self, key: str) -> Recipient:
        recipient = Recipient.parse(key)
        if key == FALLBACK_RECIPIENT and not self.contacts.targets_for(recipient):
            return Recipient.parse(COORDINATOR)  # no fallback contact configured: the coordinator's own
        return recipient

    def send(self, job: Job) -> Outcome:
        try:
            recipient = self._route(job.recipient)
        except ValueError as exc:
            return Outcome(targets=(), error=str(exc))
        result = self.sender.send(recipient, job.message.title, job.message.body, list(job.attachments))
        return Outcome(
            targets=tuple(TargetOutcome(url=t.url, service=t.service, ok=t.ok, detail=t.detail)
                          for t in result.targets),
            error=result.error,
        )
