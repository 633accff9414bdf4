"""Account mail sent by a worker, so a page answers as fast whether or not an address exists."""

from __future__ import annotations

import logging

from flask import current_app

from ringtonic.services.accounts.mail import MailNotSent, send_password_reset_email

log = logging.getLogger(__name__)

PASSWORD_RESET_TASK = "accounts.send_password_reset"


def send_password_reset(to: str, link: str, minutes: int) -> None:
    """Task: e-mail a reset link; a refused send is logged (the user can ask again)."""
    settings = current_app.config.get("RINGTONIC_SMTP")
    if settings is None:
        log.warning("password reset link not e-mailed: mail is not configured any more")
        return
    try:
        send_password_reset_email(settings, to=to, link=link, minutes=minutes)
    except MailNotSent:
        # Said to the operator's log only, without the link: it signs the user in.
        log.warning("password reset link not e-mailed; the user can ask again")
