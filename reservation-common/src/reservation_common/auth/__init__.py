"""Access-token verification for every Python service of the platform.

Tokens are issued by Keycloak (or the test realm in tests and dev mode). A service builds one
:class:`TokenVerifier` at start-up and calls :meth:`TokenVerifier.verify` per request; keys come
from OIDC discovery and a cached JWKS, so no request calls the identity provider.
"""

from reservation_common.auth._errors import IdentityProviderUnavailableError, InvalidTokenError
from reservation_common.auth._principal import Principal
from reservation_common.auth._verifier import TokenVerifier

__all__ = [
    "IdentityProviderUnavailableError",
    "InvalidTokenError",
    "Principal",
    "TokenVerifier",
]
