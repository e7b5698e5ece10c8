"""The reminder: once, to a member who has not answered an offer at half its answer time."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from form_service.assignments import remind_due
from form_service.jobs import has_due_work
from form_service.models import Assignment, OutboundMail, utcnow
from tests.conftest import REQUEST, backend_of, body, link_path, make_app, run_sweep
from tests.form_service.test_flow import submit
from tests.servers import SmtpServer

HALF = dt.timedelta(hours=24)  # of the default 48 hours to answer
MINUTE = dt.timedelta(minutes=1)


def reminders(smtp: SmtpServer) -> list[str]:
    """Return the recipients of the reminders received, in order."""
    return [m["To"] for m in smtp.mailbox.messages if m["Subject"].startswith("Erinnerung")]


def test_the_reminder_goes_out_once_at_half_the_answer_time(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    submit(client)
    run_sweep(app)
    offer = smtp.mailbox.messages[-1]
    assert run_sweep(app, HALF - MINUTE)["reminded"] == 0
    assert run_sweep(app, HALF + MINUTE) == {"expired": 0, "routed": 0, "reminded": 1,
                                             "erased": 0, "followed_up": 0, "sent": 1}
    for hours in (25, 30, 40, 47):
        assert run_sweep(app, dt.timedelta(hours=hours))["reminded"] == 0
    [reminder] = [m for m in smtp.mailbox.messages if m["Subject"].startswith("Erinnerung")]
    assert reminder["To"] == offer["To"]
    assert reminder["Subject"].startswith("Erinnerung: Anfrage IT-Betreuung – bitte bis ")
    text = body(reminder)
    assert "noch nicht beantwortet" in text and "Unser Server startet nicht mehr." in text
    # The links and the deadline read as in the offer, each on its own line.
    # A link's payload names the offer and the answer; its timestamp is the second it was signed.
    offer_text, reminder_text = (
        re.sub(r"(/r/[\w-]+)\.[\w-]+\.[\w-]+", r"\1", body(m).replace("\r\n", "\n"))
        for m in (offer, reminder))
    shared = offer_text.split("Ja, ich übernehme")[1].split("\n\nViele Grüße")[0]
    assert "Ja, ich übernehme" + shared + "\n\nViele Grüße" in reminder_text
    deadline = re.search(r"bis (\d{1,2}\. \w+ \d{4}, \d{2}:\d{2} Uhr) zu oder ab", offer_text)
    assert deadline and f"bis {deadline[1]} zu oder ab" in reminder_text
    # Its links answer the same offer as the offer's own.
    with backend_of(app).sessions() as session:
        [(state, reminded_at)] = session.execute(select(Assignment.state,
                                                        Assignment.reminded_at)).all()
        keys = session.scalars(select(OutboundMail.dedup_key).order_by(OutboundMail.id)).all()
    assert state == "offered" and reminded_at is not None
    assert keys[-1] == "reminder:1"
    assert client.post(link_path(text, "accept")).status_code == 200
    with backend_of(app).sessions() as session:
        assert session.scalar(select(Assignment.state)) == "accepted"
    assert "bereits beantwortet" in client.get(link_path(body(offer), "decline")).get_data(
        as_text=True)


def test_no_reminder_after_an_answer(app: Flask, client: FlaskClient, smtp: SmtpServer) -> None:
    submit(client)
    submit(client, email="zweite@kunde.example")
    run_sweep(app)
    accepted, declined = [m for m in smtp.mailbox.messages
                          if m["Subject"].startswith("Neue Anfrage")]
    client.post(link_path(body(accepted), "accept"))
    client.post(link_path(body(declined), "decline"), data={"reason": "capacity"})
    run_sweep(app)
    nxt = smtp.mailbox.messages[-1]
    assert nxt["Subject"].startswith("Neue Anfrage") and nxt["To"] != declined["To"]
    assert run_sweep(app, HALF + MINUTE)["reminded"] == 1
    # Only the member asked after the decline, whose offer is still open, is reminded.
    assert reminders(smtp) == [nxt["To"]]
    assert run_sweep(app, 2 * HALF - MINUTE)["reminded"] == 0
    assert run_sweep(app, 2 * HALF + MINUTE) == {"expired": 1, "routed": 0, "reminded": 0,
                                                 "erased": 0, "followed_up": 0, "sent": 1}
    assert reminders(smtp) == [nxt["To"]]


def test_the_worker_sees_a_reminder_due_and_two_never_send_it_twice(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    backend = backend_of(app)
    submit(client)
    run_sweep(app)
    now = utcnow()
    assert not has_due_work(backend, now + HALF - MINUTE)
    assert has_due_work(backend, now + HALF + MINUTE)
    start = threading.Barrier(4)
    counts: list[int] = []

    def worker() -> None:
        start.wait()
        counts.append(remind_due(backend, now + HALF + MINUTE))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(counts) == [0, 0, 0, 1]
    with backend.sessions() as session:
        kinds = session.scalars(select(OutboundMail.kind).order_by(OutboundMail.id)).all()
    assert kinds == ["confirmation", "offer", "reminder"]
    assert run_sweep(app, HALF + MINUTE)["sent"] == 1
    assert not has_due_work(backend, now + 2 * HALF - MINUTE)


def test_a_member_is_reminded_in_their_language(
    network_root: Path, make_partner: Callable[..., Path], database_url: str, smtp: SmtpServer,
) -> None:
    make_partner("wordsmith-it", name="Wordsmith IT", languages=["en"],
                 service_area={"postal_prefixes": ["01"], "remote": False},
                 contact={"email": "hello@wordsmith.example"})
    app = make_app(network_root, database_url, smtp.url, accept_deadline_hours=10)
    try:
        client = app.test_client()
        submit(client, postal_code="01067", language="en")
        run_sweep(app)
        assert run_sweep(app, dt.timedelta(hours=5) - MINUTE)["reminded"] == 0
        assert run_sweep(app, dt.timedelta(hours=5) + MINUTE)["reminded"] == 1
        [reminder] = [m for m in smtp.mailbox.to("hello@wordsmith.example")
                      if m["Subject"].startswith("Reminder")]
        assert reminder["Subject"].startswith("Reminder: request IT support – please answer by ")
        text = body(reminder)
        assert text.startswith("Hello Wordsmith IT,") and "you have not answered" in text
        assert REQUEST["message"] in text
    finally:
        backend_of(app).engine.dispose()
