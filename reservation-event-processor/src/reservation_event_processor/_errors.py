"""The outcomes of a delivery attempt that did not succeed.

How an attempt can end (the exception tree, as the worker reads it)::

    DeliveryError                 an attempt that did not succeed
    +-- TransientDeliveryError    retried on the durable schedule (RETRY_SCHEDULE, with jitter)
    |   +-- ReceiverUnreachable   DNS failure, connection refused/reset, timeout (15 s in all)
    |   +-- ReceiverError         any non-2xx answer but 410; honours Retry-After within bounds
    |   +-- SigningUnavailable    a stored secret cannot be decrypted (operator must fix the key)
    +-- PermanentDeliveryError    the delivery fails now, no further attempt
        +-- TargetNotAllowed      the SSRF guard refused the URL
        +-- ReceiverGone          410 Gone: the subscription is disabled as well
        +-- NoSigningSecret       the subscription has no active secret
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = [
    "DeliveryError",
    "NoSigningSecret",
    "PermanentDeliveryError",
    "ReceiverError",
    "ReceiverGone",
    "ReceiverUnreachable",
    "ResponseSummary",
    "SigningUnavailable",
    "TargetNotAllowed",
    "TransientDeliveryError",
]


@dataclass(frozen=True)
class ResponseSummary:
    status_code: int
    excerpt: str
    headers: dict[str, str]


class DeliveryError(Exception):
    def __init__(self, message: str, *, response: ResponseSummary | None = None) -> None:
        super().__init__(message)
        self.response = response


class TransientDeliveryError(DeliveryError):
    retry_after: timedelta | None = None


class ReceiverUnreachable(TransientDeliveryError):
    pass


class ReceiverError(TransientDeliveryError):
    def __init__(
        self, message: str, *, response: ResponseSummary, retry_after: timedelta | None
    ) -> None:
        super().__init__(message, response=response)
        self.retry_after = retry_after


class SigningUnavailable(TransientDeliveryError):
    pass


class PermanentDeliveryError(DeliveryError):
    pass


class TargetNotAllowed(PermanentDeliveryError):
    pass


class ReceiverGone(PermanentDeliveryError):
    pass


class NoSigningSecret(PermanentDeliveryError):
    pass
