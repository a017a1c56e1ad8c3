"""Sending one message over SMTP (aiosmtplib), and what a failure means.

* :class:`PermanentFailure`: retrying cannot help (5xx: address refused, message refused); the
  mail is marked ``failed`` at once.
* :class:`TransientFailure`: connection refused or lost, timeout, 4xx, authentication (a setting
  to fix, after which the retry succeeds); the mail is retried with backoff.
"""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from reservation_be.mail.settings import MailSettings, SmtpSecurity


class SendFailure(Exception):
    pass


class PermanentFailure(SendFailure):
    pass


class TransientFailure(SendFailure):
    pass


def _by_code(code: int, text: str) -> SendFailure:
    return (PermanentFailure if 500 <= code < 600 else TransientFailure)(f"{code} {text}")


async def send(settings: MailSettings, message: EmailMessage) -> None:
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=password,
            use_tls=settings.smtp_security is SmtpSecurity.TLS,
            start_tls=settings.smtp_security is SmtpSecurity.STARTTLS,
            validate_certs=settings.smtp_validate_certs,
            timeout=settings.smtp_timeout.total_seconds(),
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        refused = exc.recipients[0] if exc.recipients else None
        if refused is None:
            raise TransientFailure(str(exc)) from exc
        raise _by_code(refused.code, f"{refused.recipient}: {refused.message}") from exc
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise TransientFailure(f"authentication failed: {exc.code} {exc.message}") from exc
    except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected) as exc:
        raise TransientFailure(str(exc)) from exc
    except aiosmtplib.SMTPResponseException as exc:
        raise _by_code(exc.code, exc.message) from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise TransientFailure(str(exc) or type(exc).__name__) from exc
