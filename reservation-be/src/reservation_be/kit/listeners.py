"""One listening socket per worker process (``SO_REUSEPORT``), so the kernel shares new
connections between the workers of ``serve --workers N``.

uvicorn's workers all accept from one socket that the supervisor binds. The first event loop to
wake accepts every connection pending at that moment, so a burst of keep-alive connections (a
load balancer's or a client pool's) can land on one worker while the others idle: in
``bench/run.py``'s two-worker phase the workers' CPU split 2.41 / 0.02 s in one run out of three.
With ``SO_REUSEPORT`` each worker listens on a socket of its own bound to the same address, and
the kernel picks a listener for each new connection by a hash of its addresses and ports.

The supervisor (uvicorn's ``Multiprocess``, kept whole: health checks, restarts, SIGHUP, SIGTTIN)
still hands its workers the socket it bound, and it binds a :class:`PerWorkerListener`. That
socket never listens, so no connection reaches it; it holds the address (a start-up fails at
once when another program holds the port) and says where each worker binds. Pickled into a
worker (every worker, first or replacement, is started with ``spawn``), it becomes a new socket
bound to the same address with ``SO_REUSEPORT``: :func:`_bind_in_worker`.

A worker that dies takes the connections still waiting in its own accept queue with it (their
clients see a reset); ``sysctl net.ipv4.tcp_migrate_req=1`` moves them to the other workers
instead (docs/operations.md). Only another program of the same user can join the group of a
port bound with ``SO_REUSEPORT``.
"""

from __future__ import annotations

import logging
import socket
import sys
from typing import Any

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors import Multiprocess

__all__ = ["PerWorkerListener", "serve", "supported"]

logger = logging.getLogger(__name__)


def supported() -> bool:
    """Whether the kernel shares connections between ``SO_REUSEPORT`` listeners (Linux): other
    systems accept the option without spreading the connections."""
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


class PerWorkerListener(socket.socket):
    """The supervisor's socket: bound to the address with ``SO_REUSEPORT``, never listening.
    Each worker it is pickled into binds a socket of its own to the same address."""

    @classmethod
    def bind_address(cls, host: str, port: int) -> PerWorkerListener:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = cls(family, socket.SOCK_STREAM)
        try:
            _reuse(sock)
            sock.bind((host, port))
        except OSError:
            sock.close()
            raise
        return sock

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        # The address actually bound: the port the kernel chose when asked for port 0.
        return _bind_in_worker, (self.family, self.getsockname())


def _reuse(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)


def _bind_in_worker(family: int, address: tuple[Any, ...]) -> socket.socket:
    """Runs in the worker while its start-up arguments are unpickled: a socket of its own in the
    port's ``SO_REUSEPORT`` group. uvicorn's server makes it listen."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        _reuse(sock)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        # Logging is not set up yet in the worker. STARTUP_FAILURE tells the supervisor that a
        # replacement would fail the same way, so it stops instead of restarting it forever.
        print(f"reservation-be: worker cannot listen on {address}: {exc}", file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    return sock


def serve(config: Config) -> int:
    """``uvicorn.run`` for ``config.workers`` > 1, each worker on a socket of its own."""
    try:
        sock = PerWorkerListener.bind_address(config.host, config.port)
    except OSError as exc:
        logger.error("cannot listen on %s:%d: %s", config.host, config.port, exc)
        return STARTUP_FAILURE
    logger.info(
        "listening on %s:%d, one SO_REUSEPORT socket per worker (%d workers)",
        config.host,
        sock.getsockname()[1],
        config.workers,
    )
    try:
        Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0
