"""Where messages go: contacts and their Apprise routing (``contacts``, ``router``), the honest Apprise sender

(``send``), the one redaction of contact URLs and secrets (``redact``), the local mail catcher, the JSON-lines
sender of ``duban simulate``.
"""
