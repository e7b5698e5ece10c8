"""Build MIME messages and hand them to an SMTP server or a local mail folder."""

from __future__ import annotations

import mailbox
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit


class MailError(Exception):
    """Raised when a mail could not be handed to the mail server."""


def build_message(
    sender: str, recipient: str, subject: str, text: str, html: str, message_id: str
) -> EmailMessage:
    """Build a MIME message; header values never contain line breaks (the policy refuses them)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id or make_msgid(domain="partnerdir.invalid")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def send_email(mail_url: str, message: EmailMessage, timeout: float = 20.0) -> None:
    """Deliver ``message`` through ``mail_url`` (smtp://, smtps:// or maildir://)."""
    url = urlsplit(mail_url)
    try:
        if url.scheme == "maildir":
            folder = Path(unquote(url.path))
            for sub in ("tmp", "new", "cur"):
                (folder / sub).mkdir(parents=True, exist_ok=True)
            mailbox.Maildir(folder, create=False).add(message)
            return
        if url.scheme not in ("smtp", "smtps"):
            raise MailError(f"unknown mail URL scheme {url.scheme!r}")
        host, port = url.hostname or "127.0.0.1", url.port
        smtp: smtplib.SMTP
        if url.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(
                host, port or 465, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port or 25, timeout=timeout)
        with smtp:
            if url.scheme == "smtp" and url.username:
                # A password goes over an encrypted connection only: a server (or someone in
                # between) that offers no STARTTLS gets no login.
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise MailError(f"{host} offers no STARTTLS; not sending the password")
                smtp.starttls(context=ssl.create_default_context())
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
