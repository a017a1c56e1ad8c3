from __future__ import annotations

from tests.matrix import Case, any_user

CASES = [
    # duration=0: the stream opens, says it is connected and ends, so the row completes.
    Case("events-stream", "GET", "/api/v1/events/stream?duration=0", any_user(200)),
]
