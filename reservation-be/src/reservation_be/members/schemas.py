from __future__ import annotations

from typing import Annotated

from pydantic import Field
from reservation_db.models import SiteRole

from reservation_be.kit.schemas import InputSchema, Schema, UTCDatetime
from reservation_be.kit.types import Text
from reservation_be.users.schemas import UserSummary


class MemberAdd(InputSchema):
    identifier: Annotated[
        Text,
        Field(min_length=1, max_length=320, description="Username or e-mail address"),
    ]
    role: SiteRole = SiteRole.MEMBER


class MemberUpdate(InputSchema):
    role: SiteRole


class MemberOut(Schema):
    user: UserSummary
    role: SiteRole
    created_at: UTCDatetime
