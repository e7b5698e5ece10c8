"""Which worker holds which mail: claims of workers that are gone are taken over, claims of
workers that live are left alone, and what the journal says was accepted is never sent again."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from form_service.jobs import advance
from form_service.journal import journal_of
from form_service.models import MailStatus, MailWorker, OutboundMail, utcnow
from form_service.outbox import recover
from form_service.workers import DEAD_AFTER, living, me
from tests.conftest import REQUEST, backend_of, run_sweep
from tests.servers import SmtpServer


def test_claims_of_gone_workers_are_released_and_of_living_ones_kept(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    backend = backend_of(app)
    for i in range(3):
        client.post("/api/requests", json={**REQUEST, "email": f"k{i}@kunde.example"})
    now = utcnow()
    advance(backend, now)
    with backend.sessions() as session:
        ids = session.scalars(select(OutboundMail.id).order_by(OutboundMail.id)).all()
        session.add_all([
            # Elsewhere and silent too long; elsewhere and beating; here, its process gone.
            MailWorker(id="silent", host="elsewhere", pid=1, started_at=now,
                       seen_at=now - DEAD_AFTER - dt.timedelta(seconds=1)),
            MailWorker(id="beating", host="elsewhere", pid=1, started_at=now, seen_at=now),
            MailWorker(id="killed", host=me().host, pid=2 ** 22 + 1, started_at=now,
                       seen_at=now),
        ])
        holders = ["silent", "beating", "killed", None, "beating", "silent"]
        for mail_id, holder in zip(ids, holders, strict=True):
            session.execute(update(OutboundMail).where(OutboundMail.id == mail_id).values(
                status=MailStatus.SENDING, claimed_by=holder, claimed_at=now))
        session.commit()
    # The mail the killed worker held had been accepted: its journal line says so. A line
    # naming the row under another key (of another database) changes nothing.
    with backend.sessions() as session:
        key = session.scalar(select(OutboundMail.dedup_key).where(OutboundMail.id == ids[2]))
    journal_of(backend.settings.root).record([(ids[2], str(key), now),
                                              (ids[0], "offer:999", now)])

    assert recover(backend, now) == 3  # silent, silent, and the one nobody holds
    with backend.sessions() as session:
        rows = dict(session.execute(select(OutboundMail.id, OutboundMail.status)).all())
        assert sorted(living(session)) == ["beating"]
    assert [rows[i] for i in ids] == ["pending", "sending", "sent", "pending", "sending",
                                      "pending"]
    run_sweep(app)
    # Nothing the living worker holds, nothing the journal reported, is sent by this one.
    sent = {str(m["Message-ID"]).split("@")[0].rsplit(".", 1)[1] for m in smtp.mailbox.messages}
    assert sent == {str(ids[0]), str(ids[3]), str(ids[5])}
