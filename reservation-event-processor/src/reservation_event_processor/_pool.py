"""The webhook client's connection pool: httpcore's, with its bookkeeping pass made linear and
its keep-alive limit counted on idle connections.

After every request starts and ends, httpcore 1.0.9 decides which connections to close and
which connection each queued request gets (``_assign_requests_to_connections``). For every idle
connection it counts all the pool's connections again, so the pass costs O(connections²) on
each request (about a tenth of the processor's CPU at saturation with 16 connections to one
receiver, docs/performance.md), and it compares that count of *all* connections with
``max_keepalive_connections``: with more connections open than the keep-alive limit (the
processor opens up to ``MAX_IN_FLIGHT``, 64, and keeps 32 idle), an idle connection is closed
although few are idle, and the next request to that receiver opens a new connection
(encode/httpcore#1000, #1035). This pass counts idle connections once and closes an idle one
only while ``max_keepalive_connections`` others are idle; the rest is httpcore's pass as it
is, in the same order. httpcore is pinned in ``uv.lock``: check this method after upgrading it.
"""

from __future__ import annotations

import httpcore
from httpcore._async.interfaces import AsyncConnectionInterface

__all__ = ["WebhookConnectionPool"]


class WebhookConnectionPool(httpcore.AsyncConnectionPool):
    def _assign_requests_to_connections(self) -> list[AsyncConnectionInterface]:
        closing: list[AsyncConnectionInterface] = []
        kept: list[AsyncConnectionInterface] = []
        idle = 0
        # Drop closed connections, close expired ones and the idle ones beyond the limit.
        for connection in self._connections:
            if connection.is_closed():
                continue
            if connection.has_expired():
                closing.append(connection)
                continue
            if connection.is_idle():
                if idle >= self._max_keepalive_connections:
                    closing.append(connection)
                    continue
                idle += 1
            kept.append(connection)
        self._connections[:] = kept

        # Queued requests, oldest first: a connection that can take the request, else a new
        # connection, else a new one in place of an idle one (to another origin).
        for pool_request in self._requests:
            if not pool_request.is_queued():
                continue
            origin = pool_request.request.url.origin
            available = next(
                (c for c in self._connections if c.can_handle_request(origin) and c.is_available()),
                None,
            )
            if available is not None:
                pool_request.assign_to_connection(available)
                continue
            if len(self._connections) >= self._max_connections:
                idle_one = next((c for c in self._connections if c.is_idle()), None)
                if idle_one is None:
                    continue  # waits for a connection to free up
                self._connections.remove(idle_one)
                closing.append(idle_one)
            connection = self.create_connection(origin)
            self._connections.append(connection)
            pool_request.assign_to_connection(connection)
        return closing
