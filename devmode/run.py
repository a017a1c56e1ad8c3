"""Dev mode: the whole platform on this machine, no Docker (``make dev``).

Starts, in order: the database (``DATABASE_URL`` or an embedded PostgreSQL in the data
directory), migrations, the test realm (dev/test identity provider), a mail sink (SMTP server
and a page of the mails it caught, ``devmode/mail_sink.py``), the backend (serving the built
frontend, sending its mails to the sink), the event processor (RabbitMQ when ``AMQP_URL`` is
set, else its in-process transport), the simulated switch, demo data seeded through the API,
the switch-port example, and the server-provisioning example with one emulated host
(``devmode/servers.py``).
Ctrl-C or SIGTERM stops everything; the next run reuses the data directory.

    uv run python devmode/run.py [--data-dir .dev-data] [--api-port 8000] ...
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: make the devmode package importable
    sys.path.insert(0, str(REPO))

from reservation_testrealm.realm import secret_variable  # noqa: E402

from devmode.database import Database, open_database  # noqa: E402
from devmode.frontend import FrontendBuild, prepare_frontend  # noqa: E402
from devmode.receivers import receiver_host  # noqa: E402
from devmode.seed import (  # noqa: E402
    INTEGRATION_CLIENT,
    SWITCH,
    SWITCH_PORTS,
    TENANT_VLANS,
    DemoData,
    Seeder,
    user_token,
)
from devmode.servers import ServerLab  # noqa: E402
from devmode.supervisor import (  # noqa: E402
    Child,
    ChildDied,
    Supervisor,
    wait_for_http,
    wait_for_tcp,
)

READY_LINE = "devmode: ready"
STARTUP_TIMEOUT = 90.0
# Real Keycloak's start-dev takes one to two minutes on a busy machine (the test realm: a second).
KEYCLOAK_STARTUP_TIMEOUT = 300.0
# Dev default of the bootstrap admin of real Keycloak's admin console (master realm).
KEYCLOAK_ADMIN = ("admin", "dev-keycloak-admin-password")
DEMO_LOGINS = [
    ("admin", "password", "platform admin"),
    ("alice", "alice", "site admin of the demo lab"),
    ("bob", "bob", "member of the demo lab"),
]
# Dev-only credentials of the simulated switch; it listens on loopback only.
SWITCH_LOGIN = {"username": "netops", "password": "netops", "enable_secret": "enable"}


class Shutdown(Exception):
    """SIGINT or SIGTERM arrived."""


class AlreadyRunning(RuntimeError):
    """Another launcher holds the data directory."""


class PortsInUse(RuntimeError):
    """Something else listens where a dev-mode process should."""


def check_ports_free(wanted: dict[str, tuple[str, int]]) -> None:
    """Fail before starting anything when a port is taken, naming the option that moves it."""
    taken = []
    for option, (host, port) in wanted.items():
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            # As the servers bind: a port in TIME_WAIT from the previous run is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as error:
                taken.append(f"{host}:{port} ({option}): {error.strerror}")
    if taken:
        raise PortsInUse("cannot listen on " + "; ".join(taken))


def lock_data_dir(data_dir: Path) -> IO[str]:
    """Hold ``devmode.lock`` while running; the system releases it when this process ends,
    however it ends, so a crashed run never blocks the next one."""
    handle = (data_dir / "devmode.lock").open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AlreadyRunning(
            f"dev mode already runs on {data_dir}: stop it first, or pass another --data-dir"
        ) from None
    return handle


@dataclass(frozen=True)
class Ports:
    api: int
    idp: int
    processor: int
    webhook: int
    switch_ssh: int
    smtp: int
    mail_web: int


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO / ".dev-data")
    parser.add_argument("--host", default="127.0.0.1", help="address every process listens on")
    parser.add_argument("--api-port", type=int, default=8000)
    parser.add_argument("--idp-port", type=int, default=8080)
    parser.add_argument(
        "--idp",
        choices=("testrealm", "keycloak"),
        default=os.environ.get("IDP") or "testrealm",
        help="identity provider: the fast test realm (default) or real Keycloak at the pinned "
        "version (fetched by `make services`); also the IDP environment variable",
    )
    parser.add_argument("--processor-port", type=int, default=9100)
    parser.add_argument("--webhook-port", type=int, default=8090)
    parser.add_argument("--switch-ssh-port", type=int, default=2222)
    parser.add_argument("--smtp-port", type=int, default=1025, help="the dev mail sink's SMTP")
    parser.add_argument(
        "--mail-port", type=int, default=8025, help="the page of the mails the sink caught"
    )
    parser.add_argument(
        "--receiver-host",
        help="address of the example webhook receivers, the only one the processor may reach "
        "on this machine (default: 127.0.0.2 where it can be bound, else --host)",
    )
    parser.add_argument(
        "--no-frontend-build",
        action="store_true",
        help="serve frontend/dist if it exists, never run npm",
    )
    return parser.parse_args(argv)


def say(message: str) -> None:
    print(f"devmode: {message}", flush=True)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    # Further signals are ignored: shutdown is under way and must not be interrupted.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Shutdown(signal.Signals(signum).name)


class DevStack:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.host: str = args.host
        self.ports = Ports(
            api=args.api_port,
            idp=args.idp_port,
            processor=args.processor_port,
            webhook=args.webhook_port,
            switch_ssh=args.switch_ssh_port,
            smtp=args.smtp_port,
            mail_web=args.mail_port,
        )
        self.data_dir: Path = args.data_dir.resolve()
        self.supervisor = Supervisor(self.data_dir / "logs")
        self.database: Database | None = None
        self.amqp_url = os.environ.get("AMQP_URL") or None
        self.api_url = f"http://{self.host}:{self.ports.api}"
        self.idp_url = f"http://{self.host}:{self.ports.idp}"
        self.issuer = f"{self.idp_url}/realms/reservations"
        self.receiver_host = receiver_host(self.host, args.receiver_host)
        self.webhook_url = f"http://{self.receiver_host}:{self.ports.webhook}"
        self.mail_url = f"http://{self.host}:{self.ports.mail_web}"
        self.warnings: list[str] = []
        self.servers = ServerLab(
            supervisor=self.supervisor, data_dir=self.data_dir, host=self.host,
            receiver_host=self.receiver_host, api_url=self.api_url, issuer=self.issuer,
            base_env=self.base_env(),
        )  # fmt: skip
        self.lock: IO[str] | None = None
        self.began = time.monotonic()

    # ------------------------------------------------------------------ environment

    def base_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        env.pop("AMQP_URL", None)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def backend_env(self, frontend_dir: Path | None) -> dict[str, str]:
        assert self.database is not None
        env = self.base_env()
        env.update(
            RESERVATION_BE_ENVIRONMENT="dev",
            RESERVATION_BE_DATABASE_URL=self.database.url,
            RESERVATION_BE_OIDC_ISSUER=self.issuer,
            RESERVATION_BE_HOST=self.host,
            RESERVATION_BE_PORT=str(self.ports.api),
            RESERVATION_BE_WORKERS_ENABLED="true",
            RESERVATION_BE_METRICS_ENABLED="true",
            # Every mail goes to the dev sink (devmode/mail_sink.py), shown on its page.
            RESERVATION_BE_SMTP_HOST=self.host,
            RESERVATION_BE_SMTP_PORT=str(self.ports.smtp),
            RESERVATION_BE_MAIL_FROM="Reservations (dev) <reservations@localhost>",
            RESERVATION_BE_MAIL_PUBLIC_URL=self.api_url,
            RESERVATION_BE_MAIL_POLL_INTERVAL="2s",
            RESERVATION_BE_MAIL_REMINDER_INTERVAL="5s",
            RESERVATION_BE_MAIL_RETRY_BASE="5s",
        )
        if self.amqp_url:
            env["RESERVATION_BE_AMQP_URL"] = self.amqp_url
        if frontend_dir is not None:
            env["RESERVATION_BE_FRONTEND_DIST"] = str(frontend_dir)
        return env

    def processor_env(self) -> dict[str, str]:
        assert self.database is not None
        env = self.base_env()
        env.update(
            RESERVATION_EP_ENVIRONMENT="dev",
            RESERVATION_EP_DATABASE_URL=self.database.url,
            RESERVATION_EP_HOST=self.host,
            RESERVATION_EP_PORT=str(self.ports.processor),
            # The example receivers' address, and nothing else on this machine.
            RESERVATION_EP_SSRF_ALLOWLIST=self.receiver_host,
        )
        if self.amqp_url:
            env["RESERVATION_EP_AMQP_URL"] = self.amqp_url
        return env

    def webhook_env(self, secret: str) -> dict[str, str]:
        env = self.base_env()
        switches = {
            SWITCH: {
                "host": self.host,
                "port": self.ports.switch_ssh,
                **SWITCH_LOGIN,
                "ports": SWITCH_PORTS,
            }
        }
        env.update(
            SWITCH_PORT_WEBHOOK_SECRET=secret,
            SWITCH_PORT_API_URL=self.api_url,
            SWITCH_PORT_OIDC_ISSUER=self.issuer,
            SWITCH_PORT_CLIENT_ID=INTEGRATION_CLIENT,
            # The test realm's dev default for this client, unless the environment has one.
            SWITCH_PORT_CLIENT_SECRET=os.environ.get(
                "KEYCLOAK_CLIENT_SECRET_SWITCH_PORT_WEBHOOK", f"dev-secret-{INTEGRATION_CLIENT}"
            ),
            SWITCH_PORT_SWITCHES=json.dumps(switches),
            SWITCH_PORT_ALLOWED_VLANS=TENANT_VLANS,
            SWITCH_PORT_HOST=self.receiver_host,
            SWITCH_PORT_PORT=str(self.ports.webhook),
        )
        return env

    # ------------------------------------------------------------------ steps

    def python(self, *argv: str) -> list[str]:
        return [sys.executable, *argv]

    def launch(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        say(f"starting {name}")
        return self.supervisor.start(name, argv, env)

    @staticmethod
    def alive(child: Child) -> Callable[[], None]:
        def check() -> None:
            if child.process.poll() is not None:
                raise ChildDied(f"{child.name} exited during start-up:\n{child.log_tail()}")

        return check

    def wait_http(self, child: Child, url: str) -> None:
        wait_for_http(
            url, timeout=STARTUP_TIMEOUT, alive=self.alive(child), accept=lambda s: s == 200
        )

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.lock = lock_data_dir(self.data_dir)
        say(f"data directory {self.data_dir}")
        check_ports_free(
            {
                "--api-port": (self.host, self.ports.api),
                "--idp-port": (self.host, self.ports.idp),
                "--processor-port": (self.host, self.ports.processor),
                "--webhook-port": (self.receiver_host, self.ports.webhook),
                "--switch-ssh-port": (self.host, self.ports.switch_ssh),
                "--smtp-port": (self.host, self.ports.smtp),
                "--mail-port": (self.host, self.ports.mail_web),
            }
        )

        # Independent processes start together; each is awaited only where it is needed.
        idp = self.launch_idp()
        simulator = self.launch_simulator()
        mail_sink = self.launch_mail_sink()
        self.servers.start_peers()
        frontend = FrontendBuild(REPO, self.supervisor, build=not self.args.no_frontend_build)
        if frontend.steps:
            say("building the frontend (npm) while the rest starts")
        frontend.start()
        # A second run knows the receiver's secret already: start it now, check it after seeding.
        saved = DemoData.load(self.data_dir / "demo.json")
        saved_secret = saved.webhook_secret if saved else None
        webhook = self.launch_webhook(saved_secret) if saved_secret else None

        self.database = open_database(self.data_dir, os.environ.get("DATABASE_URL"))
        say(f"database: {self.database.description}")

        say("applying migrations")
        self.supervisor.run_once(
            "migrate",
            self.python("-m", "reservation_be", "migrate"),
            self.backend_env(None),
            timeout=120,
        )

        built = frontend.wait()
        if frontend.problem:
            self.warnings.append(frontend.problem)
        frontend_dir = (
            prepare_frontend(built, self.data_dir, api_url=self.api_url, issuer=self.issuer)
            if built
            else None
        )
        backend = self.launch(
            "backend",
            self.python("-m", "reservation_be", "serve"),
            self.backend_env(frontend_dir),
        )
        processor = self.launch(
            "event-processor",
            self.python("-m", "reservation_event_processor", "run"),
            self.processor_env(),
        )

        wait_for_http(
            f"{self.issuer}/.well-known/openid-configuration",
            timeout=KEYCLOAK_STARTUP_TIMEOUT if self.args.idp == "keycloak" else STARTUP_TIMEOUT,
            alive=self.alive(idp),
            accept=lambda s: s == 200,
        )
        self.wait_http(backend, f"{self.api_url}/readyz")
        self.wait_http(processor, f"http://{self.host}:{self.ports.processor}/healthz")
        self.wait_http(mail_sink, f"{self.mail_url}/healthz")
        wait_for_tcp(
            self.host,
            self.ports.switch_ssh,
            timeout=STARTUP_TIMEOUT,
            alive=self.alive(simulator),
        )

        say("seeding demo data through the API")
        demo = self.seed()

        assert demo.webhook_secret is not None  # the seed subscribes or raises
        if webhook is not None and demo.webhook_secret != saved_secret:
            self.supervisor.retire(webhook)  # the subscription was recreated or its secret rotated
            webhook = None
        if webhook is None:
            webhook = self.launch_webhook(demo.webhook_secret)
        self.wait_http(webhook, f"{self.webhook_url}/healthz")
        self.servers.start_receiver()

        self.write_state(demo)
        self.banner()

    def launch_idp(self) -> Child:
        if self.args.idp == "keycloak":
            return self.launch_keycloak()
        env = self.base_env()
        # The frontend is served by the backend: its origin is the one the realm must accept.
        env["KEYCLOAK_FRONTEND_URL"] = self.api_url
        argv = ["-m", "reservation_testrealm", "--host", self.host, "--port", str(self.ports.idp)]
        return self.launch("testrealm", self.python(*argv), env)

    def launch_keycloak(self) -> Child:
        """Real Keycloak (start-dev, in-memory H2): the production realm, the dev users and the
        login theme imported afresh at each start, the clients' secrets the dev defaults the
        other processes use (or the KEYCLOAK_CLIENT_SECRET_* variables)."""
        from reservation_testrealm.real import (
            BASH,
            CONFIDENTIAL_CLIENTS,
            SCRIPT,
            RealKeycloak,
            distribution_home,
        )

        distribution_home()  # says to run `make services` when Keycloak is not fetched
        secrets = {
            client: os.environ.get(secret_variable(client)) or f"dev-secret-{client}"
            for client in CONFIDENTIAL_CLIENTS
        }
        keycloak = RealKeycloak(
            host=self.host,
            port=self.ports.idp,
            frontend_url=self.api_url,
            run_dir=self.data_dir / "keycloak",
            client_secrets=secrets,
            admin_password=KEYCLOAK_ADMIN[1],
        )
        keycloak.admin_username = KEYCLOAK_ADMIN[0]
        argv = [BASH, str(SCRIPT), "start-dev", str(keycloak.run_dir)]
        argv += [str(path) for path in keycloak.import_files]
        argv += ["--", f"--http-host={self.host}", f"--http-port={self.ports.idp}"]
        argv += [f"--http-management-port={keycloak.management_port}"]
        env = self.base_env() | keycloak.environment()
        return self.launch("keycloak", argv, env)

    def launch_simulator(self) -> Child:
        argv = [
            *("-m", "switch_port_webhook.simulator", "--hostname", SWITCH),
            *("--host", self.host, "--port", str(self.ports.switch_ssh)),
            *("--ports", *SWITCH_PORTS),
            *("--username", SWITCH_LOGIN["username"], "--password", SWITCH_LOGIN["password"]),
            *("--enable-secret", SWITCH_LOGIN["enable_secret"]),
        ]
        return self.launch("switch-simulator", self.python(*argv), self.base_env())

    def launch_mail_sink(self) -> Child:
        argv = [
            str(REPO / "devmode" / "mail_sink.py"),
            *("--host", self.host, "--smtp-port", str(self.ports.smtp)),
            *("--web-port", str(self.ports.mail_web)),
        ]
        return self.launch("mail-sink", self.python(*argv), self.base_env())

    def launch_webhook(self, secret: str) -> Child:
        return self.launch(
            "switch-port-webhook",
            self.python("-m", "switch_port_webhook"),
            self.webhook_env(secret),
        )

    def seed(self) -> DemoData:
        token = user_token(self.idp_url, "admin", "password", frontend_url=self.api_url)
        seeder = Seeder(self.api_url, token, webhook_url=f"{self.webhook_url}/webhook")
        try:
            demo = seeder.seed(self.data_dir / "demo.json")
            self.servers.seed(seeder.client, demo.site_id, demo.resource_types["server"])
        finally:
            seeder.close()
        self.warnings.extend(seeder.warnings)
        return demo

    def write_state(self, demo: DemoData) -> None:
        state = {
            "launcher_pid": os.getpid(),
            "api_url": self.api_url,
            "issuer": self.issuer,
            "ports": self.ports.__dict__,
            "webhook_url": self.webhook_url,
            "mail_url": self.mail_url,
            "subscription_id": demo.subscription_id,
            "children": {c.name: c.process.pid for c in self.supervisor.children},
            "database_server_pid": self.database.server_pid if self.database else None,
            "site_id": demo.site_id,
            "resources": demo.resources,
            "server_ssh_port": self.servers.ssh_port,
        }
        (self.data_dir / "devmode.json").write_text(json.dumps(state, indent=2), encoding="utf-8")

    def banner(self) -> None:
        line = "=" * 72
        print(line)
        print("Reservation platform, dev mode (dev defaults: never expose these ports)")
        print(f"  Web app and API   {self.api_url}      API docs {self.api_url}/api/docs")
        if self.args.idp == "keycloak":
            from reservation_testrealm.real import VERSION

            print(f"  Identity provider {self.issuer}  (real Keycloak {VERSION}, start-dev)")
            print(
                f"                    admin console {self.idp_url}/admin "
                f"({KEYCLOAK_ADMIN[0]} / {KEYCLOAK_ADMIN[1]})"
            )
        else:
            print(f"  Identity provider {self.issuer}  (dev/test realm, not Keycloak)")
        transport = "RabbitMQ (AMQP_URL)" if self.amqp_url else "in-process transport (dev only)"
        print(f"  Events            {transport}")
        print(f"  Switch-port hook  {self.webhook_url}/webhook  (simulated switch {SWITCH})")
        print(f"  Server hook       {self.servers.describe()}")
        print(f"  Mails             {self.mail_url}/  (dev SMTP sink on port {self.ports.smtp}:")
        print("                    every mail the platform sends, with its invitation)")
        print(f"  Logs              {self.supervisor.log_dir}")
        print("  Demo logins (dev only):")
        for username, password, role in DEMO_LOGINS:
            print(f"    {username:<6} / {password:<9} {role}")
        print(f"  Command line      uv run rsv login --server {self.api_url}")
        print("                    (opens the device login; then uv run rsv --help, docs/cli.md)")
        for warning in self.warnings:
            print(f"  NOTE: {warning}")
        print(f"Started in {time.monotonic() - self.began:.1f} s.", end=" ")
        print("Ctrl-C stops everything; the next run keeps the data.")
        print(line, flush=True)
        say("ready")

    def watch(self) -> None:
        while True:
            self.supervisor.check()
            time.sleep(0.5)

    def stop(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        say("stopping")
        self.supervisor.stop_all()
        if self.database is not None:
            self.database.close()
        if self.lock is not None:
            self.lock.close()  # releases the data directory for the next run
        say("stopped")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stack = DevStack(args)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        stack.start()
        stack.watch()
    except Shutdown:
        return 0
    except Exception as error:  # report any start-up failure plainly, then clean up
        print(f"devmode: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        stack.stop()
    return 0  # pragma: no cover - watch() only returns by an exception


if __name__ == "__main__":
    sys.exit(main())
