"""``switch-port-webhook``: serve the webhook (configuration from ``SWITCH_PORT_*``)."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from .app import create_app
from .settings import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Switch-port webhook of the reservation platform")
    parser.add_argument("--host", help="listen address (default: SWITCH_PORT_HOST, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="listen port (default: SWITCH_PORT_PORT, 8090)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()
    uvicorn.run(
        create_app(settings), host=args.host or settings.host, port=args.port or settings.port
    )


if __name__ == "__main__":
    main()
