"""One sweep pass as the `sweep` flow makes it (generation, then the sweep), in a process of its own.

    python -m tests.flows.ops.drill_sweep DATABASE_URL AS_OF [RETRY_DELAYS]

Prints what it did as one JSON line; a duban error as ``duban: error: <line>`` on stderr and exit 1.
RETRY_DELAYS (``0.5,0.5``) shortens the pauses before retrying after a lost connection.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys

from flows.cli.errors import say
from flows.ops.engine import engine_context, generate, run_sweep
from models.errors import DubanError


def main(argv: list[str]) -> int:
    url, as_of = argv[0], dt.datetime.fromisoformat(argv[1])
    ctx = engine_context(db_url=url)
    if len(argv) > 2:
        ctx = dataclasses.replace(ctx, db_retry_delays=tuple(float(x) for x in argv[2].split(",")))
    try:
        generated = generate(ctx, as_of)
        swept = run_sweep(ctx, as_of)
    except DubanError as exc:
        say("error", str(exc))
        return 1
    print(json.dumps({"created": generated.created, "enqueued": swept.enqueued, "skipped": swept.skipped,
                      "advanced": swept.advanced, "failed": len(generated.failed) + len(swept.failed)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
