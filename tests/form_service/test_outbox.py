"""Delivering the outbox to a real SMTP server: batches on one connection, temporary and final
refusals, a database that fails after the server accepted, a server that answers QUIT oddly."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from form_service import outbox
from form_service.jobs import advance
from form_service.journal import journal_of
from form_service.models import OutboundMail, utcnow
from form_service.outbox import backoff, deliver_due
from tests.conftest import REQUEST, backend_of, run_sweep
from tests.servers import SmtpServer


def statuses(app: Flask) -> dict[str, tuple[str, int]]:
    """Return kind:recipient -> (status, attempts) of every outbox row."""
    with backend_of(app).sessions() as session:
        rows = session.scalars(select(OutboundMail).order_by(OutboundMail.id)).all()
        return {f"{m.kind}:{m.recipient}": (m.status.value, m.attempts) for m in rows}


def by_message_id(smtp: SmtpServer) -> Counter[str]:
    with smtp.mailbox.lock:
        return Counter(str(m["Message-ID"]) for m in smtp.mailbox.messages)


def test_a_backlog_goes_out_in_batches_over_few_connections(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    for i in range(30):
        client.post("/api/requests", json={**REQUEST, "email": f"k{i}@kunde.example"})
    assert run_sweep(app)["sent"] == 60  # a confirmation and an offer each
    received = by_message_id(smtp)
    assert len(received) == 60 and set(received.values()) == {1}
    # One connection carried a batch (100 mails), not one per mail.
    assert len(smtp.rules.connections) == 1
    assert run_sweep(app)["sent"] == 0
    assert journal_of(backend_of(app).settings.root).entries() == []  # carried into the database


def test_a_permanent_refusal_is_final_at_once_and_a_temporary_one_is_retried(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    smtp.rules.refused.add(REQUEST["email"])
    client.post("/api/requests", json=REQUEST)
    run_sweep(app)
    rows = statuses(app)
    assert rows[f"confirmation:{REQUEST['email']}"] == ("refused", 1)
    [offer] = [key for key in rows if key.startswith("offer:")]
    assert rows[offer] == ("sent", 1)
    # Never tried again, however long the worker runs.
    run_sweep(app, dt.timedelta(hours=3))
    assert statuses(app)[f"confirmation:{REQUEST['email']}"] == ("refused", 1)
    assert smtp.mailbox.to(REQUEST["email"]) == []

    # A 451 for a while: tried again after the backoff, then delivered once.
    smtp.rules.defer_until = time.monotonic() + 3600
    client.post("/api/requests", json={**REQUEST, "email": "later@kunde.example"})
    run_sweep(app)
    assert statuses(app)["confirmation:later@kunde.example"] == ("pending", 1)
    run_sweep(app, dt.timedelta(seconds=10))  # still within the backoff: not tried
    assert statuses(app)["confirmation:later@kunde.example"] == ("pending", 1)
    smtp.rules.defer_until = 0.0
    run_sweep(app, backoff(1) + dt.timedelta(seconds=1))
    assert statuses(app)["confirmation:later@kunde.example"] == ("sent", 2)
    assert len(smtp.mailbox.to("later@kunde.example")) == 1


@pytest.mark.parametrize("quit_reply", ["554 5.0.0 odd", "421 closing", "drop"])
def test_a_server_that_answers_quit_oddly_has_the_mail(
    app: Flask, client: FlaskClient, smtp: SmtpServer, quit_reply: str
) -> None:
    smtp.rules.quit = quit_reply
    client.post("/api/requests", json=REQUEST)
    assert run_sweep(app)["sent"] == 2
    assert run_sweep(app, dt.timedelta(hours=1))["sent"] == 0
    assert set(statuses(app).values()) == {("sent", 1)}
    assert set(by_message_id(smtp).values()) == {1}


def test_mails_accepted_while_the_database_is_down_are_recorded_later_not_sent_again(
    app: Flask, client: FlaskClient, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = backend_of(app)
    client.post("/api/requests", json=REQUEST)
    run_sweep(app, dt.timedelta(0))  # routes and sends; the mails of the next request follow
    client.post("/api/requests", json={**REQUEST, "email": "zweite@kunde.example"})
    now = utcnow()
    advance(backend, now)

    def unreachable(*args: object, **kwargs: object) -> None:
        raise OperationalError("UPDATE outbound_mail", {}, Exception("connection refused"))

    monkeypatch.setattr(outbox, "_record", unreachable)
    with pytest.raises(OperationalError):
        deliver_due(backend, now)
    assert len(smtp.mailbox.messages) == 4  # the server has them ...
    assert statuses(app)["confirmation:zweite@kunde.example"] == ("sending", 1)  # ... the rows not
    assert len(journal_of(backend.settings.root).entries()) == 2
    monkeypatch.undo()

    # The database is back: the journal is carried in before anything is sent again, even
    # long after every claim would have run out.
    run_sweep(app, dt.timedelta(hours=1))
    assert statuses(app)["confirmation:zweite@kunde.example"] == ("sent", 1)
    assert set(by_message_id(smtp).values()) == {1} and len(smtp.mailbox.messages) == 4
    assert journal_of(backend.settings.root).entries() == []


def test_the_journal_survives_a_database_that_stays_down(
    app: Flask, client: FlaskClient, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = backend_of(app)
    client.post("/api/requests", json=REQUEST)
    advance(backend, utcnow())
    monkeypatch.setattr(outbox, "_record", lambda *a, **k: (_ for _ in ()).throw(
        OperationalError("x", {}, Exception("down"))))
    with pytest.raises(OperationalError):
        deliver_due(backend, utcnow())
    monkeypatch.undo()
    journal = journal_of(backend.settings.root)

    def still_down(entries: object) -> None:
        raise OperationalError("x", {}, Exception("still down"))

    with pytest.raises(OperationalError):
        journal.replay(still_down)
    assert len(journal.entries()) == 2  # kept for the next try
    run_sweep(app, dt.timedelta(minutes=20))
    assert set(statuses(app).values()) == {("sent", 1)}
    assert len(smtp.mailbox.messages) == 2
