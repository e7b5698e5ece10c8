"""Build MIME messages and hand them to an SMTP server or a local mail folder.

One :class:`Connection` carries many messages: the SMTP session is opened for the first and
kept for the next ones, opened again when the server closed it while idle.
"""

from __future__ import annotations

import base64
import mailbox
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from urllib.parse import SplitResult, unquote, urlsplit


class MailError(Exception):
    """Raised when a mail could not be handed to the mail server; worth trying again later."""


class MailDeferred(MailError):
    """Raised when the server put off this one mail (a 4xx reply); the session goes on."""


class MailRefused(MailError):
    """Raised when the server refused a mail for good (a 5xx reply to its recipient or data)."""


@dataclass(frozen=True)
class Message:
    """A message ready for the wire: envelope sender, recipients, and the MIME bytes."""

    sender: str
    recipients: tuple[str, ...]
    data: bytes


def _header(value: str) -> str:
    # A line break in a header value would let a value add headers of its own.
    if "\r" in value or "\n" in value:
        raise ValueError(f"a header value contains a line break: {value!r}")
    return value


@lru_cache(maxsize=1024)
def _address(value: str) -> tuple[str, str]:
    """Return the address of ``value`` ("Name <a@b>") and the header text for it."""
    name, address = parseaddr(_header(value))
    return address, formataddr((name, address), charset="utf-8")


def _part(kind: str, body: str) -> bytes:
    # Base64 keeps the text byte for byte, line endings included, whatever the reader's parser.
    data = body if body.endswith("\n") else body + "\n"
    encoded = base64.encodebytes(data.encode("utf-8")).replace(b"\n", b"\r\n")
    return (f'Content-Type: text/{kind}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n").encode() + encoded


def build_message(
    sender: str, recipient: str, subject: str, text: str, html: str, message_id: str
) -> Message:
    """Build a MIME message (plain text and HTML); header values never contain line breaks.

    Written out directly rather than through ``email.message``: that package's header
    machinery cost more time than everything else in sending one mail.
    """
    sender_address, from_header = _address(sender)
    recipient_address, to_header = _address(recipient)
    charset = "us-ascii" if subject.isascii() else "utf-8"
    boundary = f"=_{secrets.token_hex(12)}"
    head = "\r\n".join((
        f"From: {from_header}",
        f"To: {to_header}",
        f"Subject: {Header(_header(subject), charset, header_name='Subject').encode()}",
        f"Date: {formatdate(localtime=False)}",
        f"Message-ID: {_header(message_id) or make_msgid(domain='partnerdir.invalid')}",
        "Auto-Submitted: auto-generated",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        "", "",
    )).encode()
    separator, end = f"\r\n--{boundary}\r\n".encode(), f"\r\n--{boundary}--\r\n".encode()
    data = (head + separator.lstrip(b"\r\n") + _part("plain", text) + separator
            + _part("html", html) + end)
    return Message(sender_address, (recipient_address,), data)


def _refusal(what: str, code: int, reply: bytes | str) -> MailError:
    """Return the error for a negative reply: final for 5xx, temporary for anything else."""
    kind = MailRefused if 500 <= code < 600 else MailDeferred
    words = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    return kind(f"{what}: {code} {words}")


class Connection:
    """Deliveries through ``mail_url`` (smtp://, smtps:// or maildir://) on one session."""

    def __init__(self, mail_url: str, timeout: float = 20.0) -> None:
        self.url: SplitResult = urlsplit(mail_url)
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def send(self, message: Message) -> None:
        """Hand ``message`` over; raise :class:`MailRefused` or :class:`MailError` if not taken."""
        if self.url.scheme not in ("smtp", "smtps", "maildir"):
            raise MailError(f"unknown mail URL scheme {self.url.scheme!r}")
        try:
            if self.url.scheme == "maildir":
                self._to_folder(message)
            else:
                self._to_server(message)
        except MailError:
            raise
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise MailError(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        """End the session politely; a server that answers QUIT oddly already has the mails."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _reset(self) -> None:
        """Abort the current transaction, keeping the session if the server still talks."""
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()  # a 421 and the like: the next message opens a new session

    def _to_folder(self, message: Message) -> None:
        folder = Path(unquote(self.url.path))
        for sub in ("tmp", "new", "cur"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(folder, create=False).add(message.data)

    def _open(self) -> smtplib.SMTP:
        url = self.url
        host, port = url.hostname or "127.0.0.1", url.port
        smtp: smtplib.SMTP
        if url.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(
                host, port or 465, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port or 25, timeout=self.timeout)
        try:
            if url.scheme == "smtp" and url.username:
                # A password goes over an encrypted connection only: a server (or someone in
                # between) that offers no STARTTLS gets no login.
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise MailError(f"{host} offers no STARTTLS; not sending the password")
                smtp.starttls(context=ssl.create_default_context())
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            smtp.ehlo_or_helo_if_needed()
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def _to_server(self, message: Message) -> None:
        # The addresses are parsed already (build_message): sent as they are, not parsed again.
        sender, recipients, data = message.sender, message.recipients, message.data
        smtp = self._smtp
        if smtp is not None:
            try:
                code, reply = smtp.docmd("mail", f"FROM:<{sender}>")
            except (OSError, smtplib.SMTPServerDisconnected):
                # The server closed the idle session before this message began: nothing of it
                # was sent, so a new session may carry it.
                self._drop()
                smtp = None
        if smtp is None:
            smtp = self._open()
            code, reply = smtp.docmd("mail", f"FROM:<{sender}>")
        if code != 250:
            self._reset()
            # A refused sender is this service's configuration, not the mail: tried again.
            raise MailDeferred(f"sender {sender} refused: {code} {reply.decode(errors='replace')}")
        for recipient in recipients:
            code, reply = smtp.docmd("rcpt", f"TO:<{recipient}>")
            if code not in (250, 251):
                self._reset()
                raise _refusal(f"recipient {recipient} refused", code, reply)
        try:
            code, reply = smtp.data(data)
        except smtplib.SMTPDataError as exc:  # DATA itself answered with an error
            self._reset()
            raise _refusal("message refused", exc.smtp_code, exc.smtp_error) from exc
        if code != 250:
            self._reset()
            raise _refusal("message refused", code, reply)


def send_email(mail_url: str, message: Message, timeout: float = 20.0) -> None:
    """Deliver one ``message`` through ``mail_url`` on a session of its own."""
    with Connection(mail_url, timeout) as connection:
        connection.send(message)
