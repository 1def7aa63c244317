"""The dispatcher's real sender: routes a job to its recipient's contacts through Apprise, target by target."""

from __future__ import annotations

from collections.abc import Collection

from models.enums import Role, recipient_key
from models.errors import NotificationError
from notifications.channels.contacts import Contacts, Recipient
from notifications.channels.send import AppriseSender
from notifications.delivery.dispatch import Job, Outcome
from notifications.delivery.outbox import FALLBACK_RECIPIENT
from notifications.delivery.targets import Target, TargetOutcome

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

    def targets(self, job: Job) -> tuple[Target, ...]:
        """The contacts the job goes to (ids and masked URLs).

        Raises:
            ValueError: the job's recipient key is malformed.
            NotificationError: no contact carries the recipient's tags.
        """
        recipient = self._route(job.recipient)
        found = self.sender.targets(recipient)
        if not found:
            raise NotificationError(f"no contact matches tags {recipient.key}")
        return tuple(Target(id=t.id, url=t.url, service=t.service) for t in found)

    def send(self, job: Job, only: Collection[str] | None = None) -> Outcome:
        """Send the job to its contacts (``only`` those target ids, if given); never raises for delivery problems.

        The whole rendered message goes to the sender, which gives each contact its channel's form.
        """
        try:
            recipient = self._route(job.recipient)
        except ValueError as exc:
            return Outcome(targets=(), error=str(exc))
        result = self.sender.send(recipient, job.message, list(job.attachments), only=only)
        return Outcome(
            targets=tuple(TargetOutcome(url=t.url, service=t.service, ok=t.ok, detail=t.detail, target=t.target)
                          for t in result.targets),
            error=result.error,
        )
