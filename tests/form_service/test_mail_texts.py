"""What a reader sees in every kind of mail: one language, German dates in local time, no
internal values, no empty fields, the reason for an offer in plain words."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from sqlalchemy import select

from form_service import mails
from form_service.assignments import answer
from form_service.backend import Backend
from form_service.followup import queue_followups
from form_service.models import OutboundMail
from form_service.strings import DE, EN
from generator.dates import moment
from tests.conftest import backend_of
from tests.form_service.history import T0, D, open_offer, request_at

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
EMPTY = re.compile(r"(?m):\s*[–-]\s*(?:[–-]\s*)*$|– – –|\bNone\b|\{[a-z_]+\}")
INTERNAL = re.compile(
    r"(?m)(Sprache|Language): (de|en)$|referred_by|offers [a-z-]+;|recent assignment")
GERMAN_MOMENT = re.compile(r"\b\d{1,2}\. (Januar|Februar|März|April|Mai|Juni|Juli|August|"
                           r"September|Oktober|November|Dezember)( \d{4})?, \d{2}:\d{2} Uhr")


def text_of(html_part: str) -> str:
    """Return the words of an HTML part, as a reader sees them."""
    return html.unescape(re.sub(r"<[^>]+>", " ", html_part))


def only_in(catalog: dict[str, str], other: dict[str, str]) -> set[str]:
    """Return the whole texts of ``catalog`` (no placeholders) that ``other`` does not have."""
    return {text for key, text in catalog.items()
            if "{" not in text and len(text) > 12 and text != other.get(key)}


@pytest.fixture
def queued(history: Backend) -> list[OutboundMail]:
    """Every mail of a scripted month, plus a member's link mail."""
    queue_followups(history, T0 + 40 * D)
    with history.sessions() as session:
        mails.member_link(history, session, history.network.partners["mueller-it"],
                          "it@mueller.example", T0 + 41 * D)
        session.commit()
        return list(session.scalars(select(OutboundMail)))


def test_every_mail_is_readable_in_one_language(queued: list[OutboundMail]) -> None:
    kinds = {mail.kind for mail in queued}
    assert {"confirmation", "offer", "contact_member", "contact_client", "referrer",
            "coordinator", "followup", "outcome", "reminder", "member_link"} <= kinds
    english = only_in(dict(EN), dict(DE))
    for mail in queued:
        for part in (mail.subject, mail.body_text, text_of(mail.body_html)):
            where = f"{mail.kind} to {mail.recipient}: {part!r}"
            assert not ISO_DATE.search(part), where
            assert "UTC" not in part, where
            assert not EMPTY.search(part), where
            assert not INTERNAL.search(part), where
            assert not [text for text in english if text in part], where


def test_an_offer_says_what_is_asked_by_when_and_why(queued: list[OutboundMail]) -> None:
    offers = [mail for mail in queued if mail.kind in ("offer", "reminder")]
    assert offers
    for mail in offers:
        assert GERMAN_MOMENT.search(mail.subject), mail.subject
        first = mail.body_text.split("\n\n")[1]
        assert first.startswith(("können Sie eine Anfrage", "Sie haben die Anfrage")), first
        assert GERMAN_MOMENT.search(first), first
        assert "Warum Sie: " in mail.body_text and "Sie bieten " in mail.body_text
        assert "Sie bieten " in text_of(mail.body_html)


def test_the_deadline_is_local_time() -> None:
    # 9:00 UTC in October is 11:00 in Berlin (summer time), 10:00 in December.
    assert moment(T0, "de") == "5. Oktober 2026, 11:00 Uhr"
    assert moment(dt.datetime(2026, 12, 3, 13, 30), "de") == "3. Dezember 2026, 14:30 Uhr"
    assert moment(dt.datetime(2026, 12, 3, 13, 30), "de", "Europe/London", year=False) == (
        "3. Dezember, 13:30 Uhr")
    assert moment(dt.datetime(2026, 12, 3, 13, 30), "en") == "3 December 2026, 14:30"


def test_a_deputy_and_a_place_are_named_in_plain_words(queued: list[OutboundMail]) -> None:
    offers = {mail.body_text for mail in queued if mail.kind == "offer"}
    # Müller IT named Schmidt Netzwerke as deputy while away (the scripted month's first days).
    assert any("Müller IT-Service hat Sie als Vertretung genannt." in body for body in offers)
    assert any("Postleitzahl 80331 liegt in Ihrem Einzugsgebiet" in body for body in offers)


def test_a_request_without_dates_shows_no_period(queued: list[OutboundMail]) -> None:
    for mail in queued:
        if mail.kind in ("offer", "confirmation", "contact_member"):
            assert "Zeitraum" not in mail.body_text or "Zeitraum: –" not in mail.body_text
            assert "Sprache:" not in mail.body_text  # German clients, German mails


def test_an_english_client_reads_english_mails(app: Any) -> None:
    backend = backend_of(app)
    request_id, _ = request_at(backend, T0, language="en", needed_from="2026-10-20",
                               needed_until="2026-11-02")
    offer, _ = open_offer(backend, request_id)
    answer(backend, offer, "accept", T0 + D)
    german = only_in(dict(DE), dict(EN))
    with backend.sessions() as session:
        client = list(session.scalars(
            select(OutboundMail).where(OutboundMail.recipient == "eva@kunde.example")))
        to_member = session.scalars(
            select(OutboundMail).where(OutboundMail.kind == "offer")).one()
    assert {mail.kind for mail in client} >= {"confirmation", "contact_client"}
    for mail in client:
        for part in (mail.subject, mail.body_text, text_of(mail.body_html)):
            assert not [text for text in german if text in part], part
            assert not ISO_DATE.search(part) and "UTC" not in part
    confirmation = next(mail for mail in client if mail.kind == "confirmation")
    assert "20 October 2026 to 2 November 2026" in confirmation.body_text, confirmation.body_text
    # The member reads German, with the client's language named in words.
    assert "Zeitraum: 20. Oktober 2026 bis 2. November 2026" in to_member.body_text
    assert "Sprache: Englisch" in to_member.body_text
