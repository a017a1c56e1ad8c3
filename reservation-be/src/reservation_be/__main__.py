"""``reservation-be serve | migrate``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from reservation_be.settings import get_settings

APP = "reservation_be.main:create_app"
WORKERS_ENV = "RESERVATION_BE_SERVE_WORKERS"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reservation-be", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API (and workers when WORKERS_ENABLED)")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.add_argument(
        "--shared-socket",
        action="store_true",
        help="with --workers > 1: all workers accept from one socket (uvicorn's way) instead of "
        "one SO_REUSEPORT socket each (Linux)",
    )
    migrate = sub.add_parser("migrate", help="apply database migrations (alembic upgrade)")
    migrate.add_argument("revision", nargs="?", default="head")
    args = parser.parse_args(argv)
    if args.command == "serve":
        # Read by every worker process (spawned with this environment) and by this one: the
        # replica's budgets, such as BOOKING_CONCURRENCY, are split between the N workers.
        os.environ[WORKERS_ENV] = str(args.workers)

    try:
        settings = get_settings()
    except ValueError as exc:  # pydantic's ValidationError: refuse to start, say why
        print(f"reservation-be: invalid settings: {exc}", file=sys.stderr)
        return 2

    from reservation_be.kit.logging import configure_logging

    configure_logging(settings.log_level)
    if args.command == "migrate":
        from reservation_db.migrations import upgrade

        upgrade(settings.database_url, args.revision)
        return 0

    import uvicorn

    from reservation_be.kit import listeners
    from reservation_be.kit.http_protocol import http_protocol

    options: dict[str, Any] = {
        "factory": True,
        "host": args.host or settings.host,
        "port": args.port or settings.port,
        "workers": args.workers,
        "log_config": None,
        "proxy_headers": True,
        "http": http_protocol(),
    }
    if args.workers > 1 and not args.shared_socket and listeners.supported():
        return listeners.serve(uvicorn.Config(APP, **options))
    uvicorn.run(APP, **options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
