"""Handing due mails to send tasks: once per lease, again after a failure or a lost task."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient

from form_service.jobs import advance, has_due_work
from form_service.models import utcnow
from form_service.outbox import LEASE, deliver, lease_due_mails
from tests.conftest import REQUEST, backend_of
from tests.servers import SmtpServer


def test_each_due_mail_is_handed_out_once_per_lease(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    backend = backend_of(app)
    client.post("/api/requests", json=REQUEST)
    now = utcnow()
    advance(backend, now)  # the confirmation and the offer to a member
    handed = lease_due_mails(backend, now)
    assert len(handed) == 2
    assert lease_due_mails(backend, now) == []
    assert not has_due_work(backend, now + dt.timedelta(seconds=1))
    # A task that never ran: after the lease the mail is due again, and still sent once.
    assert lease_due_mails(backend, now + LEASE + dt.timedelta(seconds=1)) == handed
    assert [deliver(backend, i, now, leased=True) for i in handed] == ["sent", "sent"]
    assert [deliver(backend, i, now, leased=True) for i in handed] == ["skipped", "skipped"]
    assert len(smtp.mailbox.wait(2)) == 2


def test_a_failed_mail_is_handed_out_again_after_its_backoff(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    backend = backend_of(app)
    client.post("/api/requests", json=REQUEST)
    now = utcnow()
    advance(backend, now)
    handed = lease_due_mails(backend, now)
    smtp.stop()
    assert [deliver(backend, i, now, leased=True) for i in handed] == ["retry", "retry"]
    assert lease_due_mails(backend, now + dt.timedelta(seconds=10)) == []
    smtp.start()
    later = now + dt.timedelta(seconds=31)
    again = lease_due_mails(backend, later)
    assert again == handed
    assert [deliver(backend, i, later, leased=True) for i in again] == ["sent", "sent"]
    assert len(smtp.mailbox.wait(2)) == 2
