from __future__ import annotations

import uuid
from typing import Any

from reservation_be.kit.schemas import Schema, UTCDatetime


class AuditEntryOut(Schema):
    id: uuid.UUID
    created_at: UTCDatetime
    actor_id: str | None
    actor_username: str | None
    site_id: uuid.UUID | None
    entity: str
    entity_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
