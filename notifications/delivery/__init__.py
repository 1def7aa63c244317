"""The durable outbox and its dispatcher: claim, render, send, record, retry."""
