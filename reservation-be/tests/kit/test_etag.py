from __future__ import annotations

import pytest
from reservation_be.kit.errors import PreconditionFailed, PreconditionRequired
from reservation_be.kit.etag import check_if_match, etag_for


def test_matching_if_match_passes():
    check_if_match('"3"', 3)
    check_if_match('"1", "3"', 3)
    check_if_match("*", 3)


def test_stale_if_match_is_412():
    with pytest.raises(PreconditionFailed):
        check_if_match('"2"', 3)


def test_weak_tag_never_matches():
    with pytest.raises(PreconditionFailed):
        check_if_match('W/"3"', 3)


def test_missing_if_match_is_428_when_required_and_ignored_otherwise():
    with pytest.raises(PreconditionRequired):
        check_if_match(None, 3)
    check_if_match(None, 3, required=False)


def test_etag_is_a_quoted_version():
    assert etag_for(7) == '"7"'
