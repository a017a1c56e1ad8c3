"""Path and header parameters shared by several routers, typed as strictly as they are read."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path

# A site is named by its id (a UUID, with or without dashes) or by its slug.
SITE_REF_PATTERN = (
    r"^([0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}"
    r"|[a-z0-9]([a-z0-9-]*[a-z0-9])?)$"
)
# RFC 9110 If-Match: "*" or a list of entity tags ("3", W/"3").
_ETAG = r'(W/)?"[\x21\x23-\x7e]*"'
IF_MATCH_PATTERN = rf"^[ \t]*(\*|{_ETAG}([ \t]*,[ \t]*{_ETAG})*)[ \t]*$"
# Named in the schema too, so a client generator can offer a type for it.
IF_MATCH_FORMAT = "http-if-match"

SiteRef = Annotated[
    str,
    Path(description="Site id or slug", min_length=1, max_length=63, pattern=SITE_REF_PATTERN),
]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        pattern=IF_MATCH_PATTERN,
        description='The ETag you read ("3"), or *',
        json_schema_extra={"format": IF_MATCH_FORMAT},
    ),
]
