"""Each kind of mail: its function, subject and template pair, and who gets it in which language."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from form_service import mails
from form_service.backend import Backend
from form_service.followup import queue_followups
from form_service.models import OutboundMail
from form_service.strings import DE, EN
from tests.conftest import REQUEST, backend_of, body, make_app, run_sweep
from tests.form_service.history import T0, D
from tests.servers import SmtpServer

KINDS = ("confirmation", "offer", "contact_member", "contact_client", "referrer", "coordinator",
         "followup", "outcome", "member_link", "reminder", "refused_commit")
TEMPLATES = Path(mails.__file__).parent / "templates" / "mail"


def test_the_mail_functions_are_the_template_pairs() -> None:
    functions = {
        name for name, function in inspect.getmembers(mails, inspect.isfunction)
        if function.__module__ == mails.__name__ and not name.startswith("_")
    }
    pairs = {path.stem for path in TEMPLATES.glob("*.txt") if not path.name.startswith("_")}
    assert functions - {"member_language"} == pairs == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_has_both_templates_and_a_subject_in_both_languages(kind: str) -> None:
    assert (TEMPLATES / f"{kind}.txt").is_file() and (TEMPLATES / f"{kind}.html").is_file()
    assert DE[f"subject_{kind}"] and EN[f"subject_{kind}"]
    assert inspect.getdoc(getattr(mails, kind))


def test_every_kind_is_queued_with_its_subject(history: Backend) -> None:
    queue_followups(history, T0 + 40 * D)
    with history.sessions() as session:
        rows = session.execute(select(OutboundMail.kind, OutboundMail.subject)).all()
    subjects: dict[str, set[str]] = {}
    for kind, subject in rows:
        subjects.setdefault(kind, set()).add(subject)
    assert subjects == {
        "confirmation": {"Ihre Anfrage ist angekommen"},
        "offer": {"Neue Anfrage: IT-Betreuung", "Neue Anfrage: Fotografie",
                  "Neue Anfrage: Netzwerk & WLAN"},
        "contact_member": {"Kontaktdaten Ihres neuen Kunden"},
        "contact_client": {"Schmidt Netzwerke kümmert sich um Ihre Anfrage",
                           "Müller IT-Service kümmert sich um Ihre Anfrage"},
        "referrer": {"Ihre Empfehlung wurde übernommen"},
        "coordinator": {"Anfrage ohne Partner: IT-Betreuung",
                        "Anfrage ohne Partner: Rechtsberatung",
                        "Als Spam gemeldet: Netzwerk & WLAN"},
        "followup": {"Hat alles geklappt?"},
        "outcome": {"Rückmeldung zu Ihrer Empfehlung"},
        "reminder": {"Erinnerung: Anfrage Fotografie"},
    }


@pytest.mark.parametrize(
    ("languages", "subject", "greeting"),
    [
        (["en"], "New request: IT support", "Hello Wordsmith IT,"),
        (["tr", "en"], "New request: IT support", "Hello Wordsmith IT,"),
        (["en", "de"], "Neue Anfrage: IT-Betreuung", "Guten Tag Wordsmith IT,"),
    ],
    ids=["english-only", "turkish-and-english", "english-and-german"],
)
def test_a_member_gets_mail_in_german_if_they_speak_it_else_in_english(
    network_root: Path, make_partner: Callable[..., Path], database_url: str, smtp: SmtpServer,
    languages: list[str], subject: str, greeting: str,
) -> None:
    make_partner("wordsmith-it", name="Wordsmith IT", languages=languages,
                 service_area={"postal_prefixes": ["01"], "remote": False},
                 contact={"email": "hello@wordsmith.example"})
    app = make_app(network_root, database_url, smtp.url)
    try:
        client = app.test_client()
        response = client.post("/api/requests", json={**REQUEST, "postal_code": "01067",
                                                       "language": "en"})
        assert response.status_code == 201, response.json
        run_sweep(app)
        [confirmation] = smtp.mailbox.to(REQUEST["email"])
        assert confirmation["Subject"] == "Your request has arrived"
        [offer] = smtp.mailbox.to("hello@wordsmith.example")
        assert offer["Subject"] == subject
        assert body(offer).startswith(greeting)
    finally:
        backend_of(app).engine.dispose()
