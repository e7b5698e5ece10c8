"""Each kind of mail: its function, subject and template pair, and who gets it in which language."""

from __future__ import annotations

import inspect
import re
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
         "followup", "outcome", "member_link", "reminder", "refused_commit", "withdrawn",
         "contact_changed", "client_address_refused", "member_address_refused", "held")
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
        # Each offer's deadline differs; its form is checked in test_mail_texts.py.
        subjects.setdefault(kind, set()).add(re.sub(r"bis \d.* Uhr", "bis …", subject))
    assert subjects == {
        "confirmation": {f"Ihre Anfrage „{service}“ ist angekommen" for service in (
            "IT-Betreuung", "Fotografie", "Netzwerk & WLAN", "Rechtsberatung")},
        "offer": {f"Neue Anfrage: {service} – bitte bis … zu- oder absagen" for service in (
            "IT-Betreuung", "Fotografie", "Netzwerk & WLAN")},
        "contact_member": {"Kontaktdaten Ihres neuen Kunden: Anfrage IT-Betreuung"},
        "contact_client": {"Schmidt Netzwerke kümmert sich um Ihre Anfrage",
                           "Müller IT-Service kümmert sich um Ihre Anfrage"},
        "referrer": {"Schmidt Netzwerke hat Ihre Empfehlung übernommen"},
        "coordinator": {"Bitte übernehmen: Anfrage IT-Betreuung ohne Mitglied",
                        "Bitte übernehmen: Anfrage Rechtsberatung ohne Mitglied",
                        "Bitte prüfen: Anfrage Netzwerk & WLAN als Spam gemeldet"},
        "followup": {"Hat alles geklappt? Ihre Anfrage „IT-Betreuung“"},
        "outcome": {"Rückmeldung zu Ihrer Empfehlung: IT-Betreuung"},
        "reminder": {"Erinnerung: Anfrage Fotografie – bitte bis … antworten"},
        "withdrawn": {"Anfrage zurückgezogen: IT-Betreuung"},
    }


@pytest.mark.parametrize(
    ("languages", "subject", "greeting"),
    [
        (["en"], "New request: IT support – please accept", "Hello Wordsmith IT,"),
        (["tr", "en"], "New request: IT support – please accept", "Hello Wordsmith IT,"),
        (["en", "de"], "Neue Anfrage: IT-Betreuung – bitte bis", "Guten Tag Wordsmith IT,"),
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
        assert confirmation["Subject"] == "Your request “IT support” has arrived"
        [offer] = smtp.mailbox.to("hello@wordsmith.example")
        assert offer["Subject"].startswith(subject)
        assert body(offer).startswith(greeting)
    finally:
        backend_of(app).engine.dispose()
