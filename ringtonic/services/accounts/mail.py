"""E-mail over SMTP (the standard library's smtplib), as RINGTONIC_SMTP_URL configures it."""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage

from ringtonic.config import SmtpSettings
from ringtonic.services.errors import ServiceError

log = logging.getLogger(__name__)

# A request waits for the mail server; a dead one must not hang it for minutes.
SMTP_TIMEOUT_SECONDS = 10


class MailNotSent(ServiceError):
    """The mail server could not be reached or would not take the message."""


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.implicit_tls:
        return smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=SMTP_TIMEOUT_SECONDS,
            context=ssl.create_default_context(),
        )
    return smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT_SECONDS)


def send_mail(settings: SmtpSettings, to: str, subject: str, body: str) -> None:
    """Send a plain-text message or raise MailNotSent."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with _connect(settings) as smtp:
            if not settings.implicit_tls:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                elif settings.username:
                    raise MailNotSent(
                        "The mail server offers no TLS, so the SMTP password was not sent."
                    )
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(message)
    except MailNotSent as error:
        log.warning("mail to %s not sent: %s", to, error.message)
        raise
    except OSError as error:  # smtplib.SMTPException is an OSError too
        log.warning("mail to %s not sent: %s", to, error)
        raise MailNotSent(f"The mail server did not take the message ({error}).") from error


def send_invitation_email(
    settings: SmtpSettings,
    *,
    to: str,
    account_name: str,
    inviter: str,
    role: str,
    link: str,
    expires_at: datetime,
) -> None:
    """E-mail an invitation link or raise MailNotSent."""
    body = (
        f"{inviter} invited you to join {account_name} on Ring Tonic as {role}.\n\n"
        f"Open this link to choose your password and sign in:\n\n{link}\n\n"
        f"The link works once and expires on {expires_at:%Y-%m-%d %H:%M} UTC.\n"
        "If you did not expect this invitation, you can ignore this message.\n"
    )
    send_mail(settings, to, f"Join {account_name} on Ring Tonic", body)


def send_password_reset_email(settings: SmtpSettings, *, to: str, link: str, minutes: int) -> None:
    """E-mail a link to choose a new password, or raise MailNotSent."""
    body = (
        "Someone asked to reset the password of this Ring Tonic sign-in.\n\n"
        f"Open this link to choose a new password:\n\n{link}\n\n"
        f"The link works once, for {minutes} minutes. If you did not ask for it, ignore this "
        "message: your password stays as it is.\n"
    )
    send_mail(settings, to, "Choose a new Ring Tonic password", body)
