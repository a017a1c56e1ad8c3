"""Optimistic concurrency over HTTP: ``ETag`` from a row version, ``If-Match`` on updates."""

from __future__ import annotations

from fastapi import Response

from reservation_be.kit.errors import PreconditionFailed, PreconditionRequired


def etag_for(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_for(version)


def _tags(header: str) -> list[str]:
    tags = []
    for raw in header.split(","):
        tag = raw.strip()
        if tag.startswith("W/"):
            tag = tag[2:]  # a weak tag never matches strongly; keep it to report "stale"
            tags.append("W/" + tag)
            continue
        if tag:
            tags.append(tag)
    return tags


def check_if_match(if_match: str | None, version: int, *, required: bool = True) -> None:
    """Raise 428 when the header is required and missing, 412 when it names another version."""
    if if_match is None or not if_match.strip():
        if required:
            raise PreconditionRequired(
                f"Send If-Match: {etag_for(version)} (the ETag you read) to update this resource."
            )
        return
    tags = _tags(if_match)
    if "*" in tags or etag_for(version) in tags:
        return
    raise PreconditionFailed(
        f"If-Match {if_match.strip()} does not match the current ETag {etag_for(version)}; "
        "read the resource again and retry.",
        headers={"ETag": etag_for(version)},
    )
