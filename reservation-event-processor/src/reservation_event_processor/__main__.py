"""``reservation-event-processor run``: consumer, delivery loop and probes in one process."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from pydantic import ValidationError

from reservation_event_processor.logs import configure_logging
from reservation_event_processor.settings import Settings


async def _run(settings: Settings) -> None:
    from reservation_event_processor.app import Processor

    processor = Processor(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, processor.stop)
    await processor.run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="reservation-event-processor",
        description="Deliver reservation events to webhooks (settings: RESERVATION_EP_* env).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="consume events and deliver webhooks until SIGTERM")
    args = parser.parse_args(argv)
    if args.command == "run":
        try:
            settings = Settings()
        except ValidationError as exc:
            print(f"invalid RESERVATION_EP_* settings:\n{exc}", file=sys.stderr)
            return 2
        configure_logging(settings.log_level)
        asyncio.run(_run(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
