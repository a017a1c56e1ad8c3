"""Loaded by the schemathesis CLI of the contract run (``SCHEMATHESIS_HOOKS``).

``If-Match`` values need quotes (``"3"``); schemathesis's coverage phase draws header values from
letters and digits only and, finding no value its pattern allows, would fall back to a value the
pattern refuses (``If-Match: 0``) and report the API's 422 as a valid request refused. The
header's schema names its format, and this strategy draws exactly the values of its pattern.
"""

from __future__ import annotations

import os
import re

import httpx
import schemathesis
from hypothesis import strategies as st
from reservation_be.kit.params import IF_MATCH_FORMAT, IF_MATCH_PATTERN

# Quoted tags of printable ASCII, the grammar of RFC 9110 section 8.8.3; leading and trailing
# blanks are left out, HTTP clients strip them.
_TAG = st.from_regex(r'\A(W/)?"[\x21\x23-\x7e]{0,12}"\Z')
_IF_MATCH = st.one_of(
    st.just("*"),
    st.lists(_TAG, min_size=1, max_size=3).map(", ".join),
).filter(lambda value: re.match(IF_MATCH_PATTERN, value) is not None)

schemathesis.openapi.format(IF_MATCH_FORMAT, _IF_MATCH)


# Realm access tokens live 5 minutes and a run on a busy machine lasts longer: the token is
# renewed with the refresh token of the test's sign-in (the test passes both in the environment).
if os.environ.get("CONTRACT_REFRESH_TOKEN"):

    @schemathesis.auth(refresh_interval=60)
    class RealmToken:
        refresh_token = os.environ["CONTRACT_REFRESH_TOKEN"]

        def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> str:
            response = httpx.post(
                os.environ["CONTRACT_TOKEN_URL"],
                data={
                    "grant_type": "refresh_token",
                    "client_id": os.environ["CONTRACT_CLIENT_ID"],
                    "refresh_token": self.refresh_token,
                },
                timeout=30,
            )
            response.raise_for_status()
            body = response.json()
            self.refresh_token = body.get("refresh_token", self.refresh_token)
            return str(body["access_token"])

        def set(self, case: schemathesis.Case, data: str, ctx: schemathesis.AuthContext) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
