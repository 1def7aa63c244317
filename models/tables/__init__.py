"""SQLModel tables: the loaded plan (``plan``), the duty engine (``engine``), the duty flows' records (``duties``)."""
