"""Where messages go: contacts and their Apprise routing (``contacts``, ``router``), the honest Apprise sender

(``send``), the local mail catcher, the JSON-lines sender of ``duban simulate``.
"""
