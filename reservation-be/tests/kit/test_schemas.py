from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError
from reservation_be.kit.schemas import UTCDatetime


class _Model(BaseModel):
    at: UTCDatetime


def test_naive_datetime_is_refused():
    with pytest.raises(ValidationError):
        _Model(at=datetime(2026, 3, 29, 1, 30))
    with pytest.raises(ValidationError):
        _Model.model_validate_json('{"at": "2026-03-29T01:30:00"}')


def test_aware_datetime_is_normalised_to_utc_and_written_with_z():
    model = _Model.model_validate_json('{"at": "2026-03-29T03:30:00+02:00"}')
    assert model.at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert model.at.tzinfo == UTC
    assert model.model_dump_json() == '{"at":"2026-03-29T01:30:00Z"}'
    other = _Model(at=datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5))))
    assert other.at.hour == 5


async def test_naive_datetime_in_a_query_is_a_422_problem(client, auth):
    response = await client.get(
        "/api/v1/audit", params={"since": "2026-01-01T00:00:00"}, headers=await auth("admin")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "since"]
