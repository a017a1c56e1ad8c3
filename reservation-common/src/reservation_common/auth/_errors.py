"""Exceptions raised by token verification.

    InvalidTokenError                    the token must be refused (HTTP 401)
    └── IdentityProviderUnavailableError  the keys could not be fetched, so the token could not be
                                          checked; a service may answer 503 instead of 401

Messages name what is wrong with a token, never the token itself.
"""


class InvalidTokenError(Exception):
    """The token is not acceptable; ``reason`` says why, without quoting the token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IdentityProviderUnavailableError(InvalidTokenError):
    """Discovery or the JWKS could not be fetched from the identity provider."""
