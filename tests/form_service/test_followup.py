"""After an accept: one follow-up at the right time, feedback through a signed link, the outcome
for the referring member — against a real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import itsdangerous.timed
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from form_service.jobs import has_due_work
from form_service.links import make_feedback_token, make_token
from form_service.models import ClientRequest, Feedback, utcnow
from form_service.privacy import erase_client
from tests.conftest import REQUEST, backend_of, body, link_path, make_app, run_sweep
from tests.servers import SmtpServer

DAY = dt.timedelta(days=1)
CLIENT = "eva@kunde.example"
REFERRER = "anfragen@mueller-it.example"
ANSWERS = {"contact": "yes", "done": "yes", "satisfaction": "4",
           "comment": "Schnell und freundlich,\nder Server läuft wieder."}


def accepted(client: FlaskClient, app: Flask, smtp: SmtpServer, **overrides: object) -> str:
    """Submit a request, let the offered member accept it and send every mail; return its id."""
    response = client.post("/api/requests", json={**REQUEST, **overrides})
    assert response.status_code == 201, response.json
    run_sweep(app)
    offer = smtp.mailbox.messages[-1]
    assert offer["Subject"].startswith("Neue Anfrage"), offer["Subject"]
    assert client.post(link_path(body(offer), "accept")).status_code == 200
    run_sweep(app)
    assert response.json is not None
    return str(response.json["id"])


def feedback_path(message: object) -> str:
    """Return the path of the feedback link in a follow-up mail."""
    paths = re.findall(r"https://service\.example(/f/\S+)", body(message))
    assert len(paths) == 1, body(message)
    return str(paths[0])


def followups(smtp: SmtpServer, to: str = CLIENT) -> list[object]:
    return [m for m in smtp.mailbox.to(to) if m["Subject"].startswith("Hat alles geklappt?")]


def test_followup_is_sent_once_at_the_right_time(app: Flask, client: FlaskClient,
                                                 smtp: SmtpServer) -> None:
    accepted(client, app, smtp)
    member = body(smtp.mailbox.messages[1]).splitlines()[0].removeprefix("Guten Tag ")[:-1]
    backend = backend_of(app)
    assert not has_due_work(backend, utcnow() + 14 * DAY - dt.timedelta(minutes=1))
    assert run_sweep(app, 14 * DAY - dt.timedelta(minutes=1))["followed_up"] == 0
    assert followups(smtp) == []

    assert has_due_work(backend, utcnow() + 14 * DAY + dt.timedelta(minutes=1))
    done = run_sweep(app, 14 * DAY + dt.timedelta(minutes=1))
    assert (done["followed_up"], done["sent"]) == (1, 1)
    [mail] = followups(smtp)
    text = body(mail)
    assert text.startswith("Guten Tag Eva Kunde,")
    assert f"{member} Ihre Anfrage „IT-Betreuung“ übernommen. Hat alles geklappt?" in text
    assert "Der Link ist 30 Tage gültig." in text
    assert feedback_path(mail).startswith("/f/")

    # Later sweeps, however late, never ask again.
    assert not has_due_work(backend, utcnow() + 15 * DAY)
    for later in (15, 40, 100):
        assert run_sweep(app, later * DAY)["followed_up"] == 0
    assert len(followups(smtp)) == 1


def test_downtime_delays_the_followup_but_never_skips_it(app: Flask, client: FlaskClient,
                                                         smtp: SmtpServer) -> None:
    accepted(client, app, smtp)
    # The worker was down for six weeks: the first sweep after it catches up, once.
    assert run_sweep(app, 42 * DAY)["followed_up"] == 1
    assert run_sweep(app, 43 * DAY)["followed_up"] == 0
    assert len(followups(smtp)) == 1
    with backend_of(app).sessions() as session:
        asked = session.scalar(select(ClientRequest.followup_at))
    assert asked is not None and asked - utcnow() > 41 * DAY


def test_feedback_through_the_link_reaches_the_referring_member(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    accepted(client, app, smtp, referred_by="mueller-it", reason="absence")
    run_sweep(app, 14 * DAY + dt.timedelta(minutes=1))
    path = feedback_path(followups(smtp)[0])
    before = len(smtp.mailbox.messages)

    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<form method="post">' in html and "Hatten Sie Kontakt mit Schmidt Netzwerke?" in html
    assert html.count('name="satisfaction"') == 5
    assert client.head(path).status_code == 200
    with backend_of(app).sessions() as session:
        assert session.scalar(select(Feedback.id)) is None  # GET changes nothing

    incomplete = client.post(path, data={"contact": "yes", "satisfaction": "9"})
    assert incomplete.status_code == 422
    assert incomplete.get_data(as_text=True).count("Bitte eine Antwort wählen.") == 2
    assert 'value="yes" required checked' in incomplete.get_data(as_text=True)

    done = client.post(path, data=ANSWERS)
    assert done.status_code == 200
    assert "Vielen Dank für Ihre Rückmeldung!" in done.get_data(as_text=True)
    with backend_of(app).sessions() as session:
        feedback = session.scalars(select(Feedback)).one()
        assert (feedback.contact, feedback.done, feedback.satisfaction) == (True, "yes", 4)
        assert feedback.comment == ANSWERS["comment"]

    assert run_sweep(app)["sent"] == 1
    [outcome] = [m for m in smtp.mailbox.to(REFERRER)
                 if m["Subject"].startswith("Rückmeldung zu Ihrer Empfehlung")]
    text = body(outcome)
    assert "Schmidt Netzwerke hat sie übernommen" in text
    assert "Kontakt: Ja" in text and "Auftrag erledigt: Ja" in text
    assert "Zufriedenheit: 4 von 5" in text and "der Server läuft wieder." in text
    # So that the referring member can get back in touch with the client.
    assert CLIENT in text and "Eva Kunde" in text and "+49 89 555000" in text

    # Answering again records nothing and mails nobody.
    again = client.post(path, data={**ANSWERS, "satisfaction": "1"})
    assert again.status_code == 200 and "bereits vor" in again.get_data(as_text=True)
    assert "bereits vor" in client.get(path).get_data(as_text=True)
    run_sweep(app)
    assert len(smtp.mailbox.messages) == before + 1
    with backend_of(app).sessions() as session:
        assert session.scalars(select(Feedback.satisfaction)).all() == [4]


def test_without_a_referrer_feedback_is_recorded_and_nobody_mailed(
    app: Flask, client: FlaskClient, smtp: SmtpServer
) -> None:
    accepted(client, app, smtp, language="en")
    run_sweep(app, 14 * DAY + dt.timedelta(minutes=1))
    [mail] = [m for m in smtp.mailbox.to(CLIENT)
              if m["Subject"].startswith("Did everything work out?")]
    assert body(mail).startswith("Hello Eva Kunde,")
    before = len(smtp.mailbox.messages)
    assert client.post(feedback_path(mail), data={**ANSWERS, "done": "ongoing"}).status_code == 200
    assert run_sweep(app)["sent"] == 0
    assert len(smtp.mailbox.messages) == before
    with backend_of(app).sessions() as session:
        assert session.scalar(select(Feedback.done)) == "ongoing"


def test_tampered_expired_and_foreign_links_are_refused(
    app: Flask, client: FlaskClient, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    public_id = accepted(client, app, smtp)
    run_sweep(app, 14 * DAY + dt.timedelta(minutes=1))
    path = feedback_path(followups(smtp)[0])

    for bad in (path[:-2] + "xx", path.replace("/f/", "/f/a"), "/f/nonsense"):
        refused = client.get(bad)
        assert refused.status_code == 404
        assert "Dieser Link ist ungültig." in refused.get_data(as_text=True)
        assert client.post(bad, data=ANSWERS).status_code == 404
    # An accept link is no feedback link, even though both are signed with the same key.
    accept = make_token("test-secret", 1, "accept")
    assert client.post(f"/f/{accept}", data=ANSWERS).status_code == 404

    past = time.time() - 31 * 86400
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: past)
    old = make_feedback_token("test-secret", public_id)
    monkeypatch.undo()
    expired = client.post(f"/f/{old}", data=ANSWERS)
    assert expired.status_code == 410
    text = expired.get_data(as_text=True)
    assert "Dieser Link ist abgelaufen." in text and "koordination@empfehlungsnetz.example" in text
    with backend_of(app).sessions() as session:
        assert session.scalar(select(Feedback.id)) is None

    # Once the client's data is erased, the link leads nowhere.
    with backend_of(app).sessions() as session:
        erase_client(session, CLIENT, utcnow())
        session.commit()
    gone = client.get(path)
    assert gone.status_code == 410
    assert "keine Rückmeldung mehr möglich" in gone.get_data(as_text=True)


def test_requests_nobody_accepted_get_no_followup(app: Flask, client: FlaskClient,
                                                  smtp: SmtpServer) -> None:
    client.post("/api/requests", json={**REQUEST, "service": "rechtsberatung",
                                       "postal_code": "70173"})
    client.post("/api/requests", json={**REQUEST, "email": "offen@kunde.example"})
    run_sweep(app)
    assert run_sweep(app, 20 * DAY)["followed_up"] == 0
    assert followups(smtp) == [] and followups(smtp, "offen@kunde.example") == []


def test_followups_can_be_switched_off(network_root: Path, database_url: str,
                                       smtp: SmtpServer) -> None:
    app = make_app(network_root, database_url, smtp.url, followup_days=0)
    try:
        accepted(app.test_client(), app, smtp)
        assert not has_due_work(backend_of(app), utcnow() + 100 * DAY)
        assert run_sweep(app, 100 * DAY)["followed_up"] == 0
        assert followups(smtp) == []
    finally:
        backend_of(app).engine.dispose()


@contextmanager
def consumer(app: Flask) -> Iterator[None]:
    """Run a huey consumer on the app's queue in threads of this process. It neither polls the
    database nor runs periodic tasks, so it does only what the app hands to the queue."""
    huey = app.extensions["partnerdir.tasks"].huey
    worker = huey.create_consumer(workers=1, worker_type="thread", periodic=False,
                                  initial_delay=0.05, max_delay=0.2, shutdown_timeout=20)
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    worker.start()
    for sig, handler in saved.items():  # its signal handlers are for a worker process of its own
        signal.signal(sig, handler)
    try:
        yield
    finally:
        worker.stop(graceful=True)


def test_with_the_queue_the_outcome_goes_out_right_after_the_answer(
    network_root: Path, database_url: str, smtp: SmtpServer
) -> None:
    app = make_app(network_root, database_url, smtp.url, queue=True)
    client = app.test_client()
    try:
        with consumer(app):
            client.post("/api/requests", json={**REQUEST, "referred_by": "mueller-it"})
            run_sweep(app)  # what the worker does when its poll finds the new request
            client.post(link_path(body(smtp.mailbox.wait(2)[-1]), "accept"))
            smtp.mailbox.wait(5)  # the accept handed the contact details to the queue
            run_sweep(app, 14 * DAY + dt.timedelta(minutes=1))  # what the periodic task does
            client.post(feedback_path(followups(smtp)[0]), data=ANSWERS)
            outcome = smtp.mailbox.wait(7)[-1]
        assert (outcome["To"], outcome["Subject"]) == (
            REFERRER, "Rückmeldung zu Ihrer Empfehlung: IT-Betreuung")
        assert not has_due_work(backend_of(app), utcnow())
    finally:
        backend_of(app).engine.dispose()
