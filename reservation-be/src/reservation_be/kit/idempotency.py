"""``Idempotency-Key`` for POSTs that create (draft-ietf-httpapi-idempotency-key-header).

The key row is inserted in the request's own transaction before the work is done, so:

* the same key with the same body replays the stored response (``Idempotent-Replayed: true``);
* the same key with another body (or on another endpoint) is refused with 422;
* a concurrent retry waits on the key's unique index until the first request commits, then
  replays it; if the first request fails, its key row rolls back with it and the retry runs.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from reservation_db.models import IdempotencyKey
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be.auth.actor import Actor
from reservation_be.auth.dependencies import get_actor
from reservation_be.kit.errors import Conflict, UnprocessableEntity
from reservation_be.workers.settings import IDEMPOTENCY_REPLAY_WINDOW

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# A key older than this is forgotten: reusing it runs the request again. The retention worker
# deletes such rows (never earlier: workers/settings.py IDEMPOTENCY_REPLAY_WINDOW).
KEY_TTL = IDEMPOTENCY_REPLAY_WINDOW
_KEPT_HEADERS = ("location", "etag")


def _fingerprint(method: str, path: str, body: BaseModel | dict[str, Any] | None) -> str:
    if isinstance(body, BaseModel):
        payload: Any = body.model_dump(mode="json")
    else:
        payload = body
    canonical = json.dumps([method, path, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class Idempotency:
    """Per-request handle; inactive (every call a no-op) when the client sent no key."""

    def __init__(self, *, key: str | None, owner_id: str, method: str, path: str) -> None:
        self.key = key
        self.owner_id = owner_id
        self.method = method
        self.path = path

    @property
    def active(self) -> bool:
        return self.key is not None

    async def replay(
        self, session: AsyncSession, body: BaseModel | dict[str, Any] | None
    ) -> JSONResponse | None:
        """Claim the key, or return the stored response of the request that claimed it."""
        if self.key is None:
            return None
        request_hash = _fingerprint(self.method, self.path, body)
        claimed = await session.execute(
            insert(IdempotencyKey)
            .values(
                owner_id=self.owner_id,
                key=self.key,
                method=self.method,
                path=self.path,
                request_hash=request_hash,
            )
            .on_conflict_do_nothing(index_elements=[IdempotencyKey.owner_id, IdempotencyKey.key])
            .returning(IdempotencyKey.key)
        )
        if claimed.first() is not None:
            return None
        stored = (
            await session.execute(
                select(IdempotencyKey)
                .where(IdempotencyKey.owner_id == self.owner_id, IdempotencyKey.key == self.key)
                .with_for_update()
            )
        ).scalar_one()
        if stored.created_at < datetime.now(UTC) - KEY_TTL:
            stored.method, stored.path, stored.request_hash = self.method, self.path, request_hash
            stored.response_status = stored.response_body = stored.response_headers = None
            stored.created_at = datetime.now(UTC)
            await session.flush()
            return None
        if stored.request_hash != request_hash:
            raise UnprocessableEntity(
                f"{HEADER} {self.key!r} was already used with a different request; "
                "use a new key for a new request."
            )
        if stored.response_status is None:
            raise Conflict(f"A request with {HEADER} {self.key!r} is still being processed.")
        headers = {k: str(v) for k, v in (stored.response_headers or {}).items()}
        headers[REPLAYED_HEADER] = "true"
        return JSONResponse(
            stored.response_body, status_code=stored.response_status, headers=headers
        )

    async def save(
        self,
        session: AsyncSession,
        status_code: int,
        body: BaseModel | dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        """Store the response to replay; call it in the same transaction as the work."""
        if self.key is None:
            return
        payload = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
        kept = {k: v for k, v in (headers or {}).items() if k.lower() in _KEPT_HEADERS}
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.owner_id == self.owner_id, IdempotencyKey.key == self.key)
            .values(response_status=status_code, response_body=payload, response_headers=kept)
        )


def _unquote(value: str) -> str:
    # The header is a structured-field string ("..."); plain tokens are accepted too.
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


async def get_idempotency(
    request: Request,
    actor: Annotated[Actor, Depends(get_actor)],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            min_length=1,
            max_length=255,
            pattern=r"^[\x21-\x7e]+$",
            description="Retry-safe creation: the same key and body replay the first response.",
        ),
    ] = None,
) -> Idempotency:
    return Idempotency(
        key=_unquote(idempotency_key) if idempotency_key is not None else None,
        owner_id=actor.user_id,
        method=request.method,
        path=request.url.path,
    )


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]
