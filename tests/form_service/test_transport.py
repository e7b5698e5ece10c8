"""Mail over TLS against a real SMTP server: smtps://, STARTTLS with a login, a wrong password,
and no password on an unencrypted connection. The client trusts a test CA the standard way
(``SSL_CERT_FILE``), so certificates are verified exactly as in production."""

from __future__ import annotations

import datetime as dt
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from form_service.models import OutboundMail
from form_service.transport import MailError, build_message, send_email
from tests.conftest import REQUEST, backend_of, make_app, run_sweep
from tests.servers import smtp_server

USER, PASSWORD = "dienst", "geheim"


@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A server context for 127.0.0.1, its certificate from a test CA that clients trust."""
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    # ssl.create_default_context() loads the trusted CAs from this file on every call.
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@dataclass
class Logins:
    """An authenticator that records each login: user, password, whether it came encrypted."""

    seen: list[tuple[str, str, bool]] = field(default_factory=list)

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        self.seen.append((user, password, encrypted))
        # handled=False: the server answers a refusal itself (535).
        return AuthResult(success=(user, password) == (USER, PASSWORD), handled=False)


def with_login(url: str, password: str = PASSWORD) -> str:
    """Return ``url`` with the test user and ``password`` in it."""
    scheme, rest = url.split("://")
    return f"{scheme}://{USER}:{password}@{rest}"


def message() -> Any:
    return build_message("Netz <netz@example.org>", "eva@kunde.example", "Über TLS",
                         "Hallo", "<p>Hallo</p>", "")


def test_smtps_delivers_with_a_verified_certificate(tls: ssl.SSLContext) -> None:
    logins = Logins()
    # aiosmtpd offers AUTH on implicit TLS only when told that plain text is fine.
    with smtp_server("smtps", ssl_context=tls, authenticator=logins,
                     auth_require_tls=False) as server:
        send_email(server.url, message())
        send_email(with_login(server.url), message())
        received = server.mailbox.wait(2)
    assert [m["Subject"] for m in received] == ["Über TLS", "Über TLS"]
    assert logins.seen == [(USER, PASSWORD, True)]


def test_an_untrusted_certificate_is_refused(tls: ssl.SSLContext,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")
    with smtp_server("smtps", ssl_context=tls) as server:
        with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED"):
            send_email(server.url, message())
        assert server.mailbox.messages == []


def test_starttls_comes_before_the_login(tls: ssl.SSLContext) -> None:
    logins = Logins()
    # The server would take the password in plain text too; the client must not offer it.
    with smtp_server(tls_context=tls, authenticator=logins, auth_require_tls=False) as server:
        send_email(with_login(server.url), message())
        assert server.mailbox.wait(1)[0]["Subject"] == "Über TLS"
    assert logins.seen == [(USER, PASSWORD, True)]


def test_no_password_goes_to_a_server_without_starttls() -> None:
    logins = Logins()
    with smtp_server(authenticator=logins, auth_require_tls=False) as server:
        with pytest.raises(MailError, match="STARTTLS"):
            send_email(with_login(server.url), message())
        assert server.mailbox.messages == []
    assert logins.seen == []


def test_a_wrong_password_fails_and_the_outbox_tries_again(
    tls: ssl.SSLContext, network_root: Path, tmp_path: Path
) -> None:
    logins = Logins()
    with smtp_server(tls_context=tls, require_starttls=True, authenticator=logins) as server:
        with pytest.raises(MailError, match="SMTPAuthenticationError"):
            send_email(with_login(server.url, "falsch"), message())
        app = make_app(network_root, f"sqlite:///{tmp_path / 'db.sqlite3'}",
                       with_login(server.url, "falsch"))
        try:
            assert app.test_client().post("/api/requests", json=REQUEST).status_code == 201
            run_sweep(app)
            run_sweep(app, dt.timedelta(minutes=1))  # after the first backoff
            with backend_of(app).sessions() as session:
                mails = session.scalars(select(OutboundMail)).all()
                tries = [(m.sent_at, m.attempts) for m in mails]
                errors = [m.last_error or "" for m in mails]
        finally:
            backend_of(app).engine.dispose()
        assert server.mailbox.messages == []
    assert tries == [(None, 2), (None, 2)]  # the confirmation and the offer, each tried twice
    assert all("SMTPAuthenticationError" in error for error in errors)
    assert logins.seen and all(encrypted for _, _, encrypted in logins.seen)
