"""``reservation-testrealm``: the test realm as a process, for dev mode."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from reservation_testrealm.app import WARNING, create_app
from reservation_testrealm.realm import DEFAULT_REALM_FILE

BANNER_WIDTH = 78


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="reservation-testrealm",
        description="Keycloak-compatible identity provider for development and tests only.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--realm-file", default=str(DEFAULT_REALM_FILE))
    parser.add_argument(
        "--public-url",
        default=None,
        help="origin of the issuer when clients reach this server at another address "
        "(default: http://<host>:<port>)",
    )
    args = parser.parse_args(argv)
    public_url = args.public_url or f"http://{args.host}:{args.port}"
    app = create_app(args.realm_file, public_url)
    realm = app.state.realm
    line = "!" * BANNER_WIDTH
    print(
        f"{line}\n!! DEVELOPMENT/TEST IDENTITY PROVIDER - NOT FOR PRODUCTION\n!! {WARNING}\n"
        f"!! issuer: {public_url}/realms/{realm.name}\n"
        "!! demo users: admin/password (platform-admin), alice/alice, bob/bob\n"
        f"{line}",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", ws="none")


if __name__ == "__main__":
    main()
