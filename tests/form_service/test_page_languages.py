"""The service's pages speak one language: a member's in theirs, a client's in the request's."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from form_service.links import make_feedback_token, make_member_token, make_token
from form_service.models import utcnow
from form_service.strings import DE, EN
from tests.conftest import backend_of, make_app
from tests.form_service.history import open_offer, request_at
from tests.servers import SmtpServer


def only_in(catalog: object, other: object) -> list[str]:
    """Return the whole texts of ``catalog`` without placeholders that ``other`` words otherwise."""
    assert isinstance(catalog, type(DE)) and isinstance(other, type(DE))
    return [text for key, text in catalog.items()
            if "{" not in text and len(text) > 12 and text != other.get(key)]


def words(page: str) -> str:
    """Return what a reader sees of a page: its text without markup."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)[^>]*>.*?</\1>", "", page, flags=re.S))


def assert_one_language(page: str, lang: str) -> None:
    assert f'<html lang="{lang}">' in page
    wrong = only_in(EN, DE) if lang == "de" else only_in(DE, EN)
    assert [text for text in wrong if text in words(page)] == []
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", words(page)) and "UTC" not in page


@pytest.fixture
def english_member(network_root: Path, make_partner: Callable[..., Path], database_url: str,
                   smtp: SmtpServer) -> Flask:
    """The service with a member in Dresden who reads English only."""
    make_partner("wordsmith-it", name="Wordsmith IT", languages=["en"],
                 service_area={"postal_prefixes": ["01"], "remote": False})
    return make_app(network_root, database_url, smtp.url)


@pytest.mark.parametrize(("postal_code", "lang"), [("80331", "de"), ("01067", "en")],
                         ids=["german-member", "english-member"])
def test_the_answer_pages_speak_the_members_language(
    english_member: Flask, postal_code: str, lang: str
) -> None:
    backend = backend_of(english_member)
    try:
        request_id, _ = request_at(backend, utcnow(), postal_code=postal_code, language=lang)
        offer, slug = open_offer(backend, request_id)
        assert (slug == "wordsmith-it") == (lang == "en")
        client = english_member.test_client()
        secret = backend.settings.secret_key
        for action in ("accept", "decline"):
            page = client.get("/r/" + make_token(secret, offer, action)).get_data(as_text=True)
            assert_one_language(page, lang)
            deadline = "Bitte antworten bis" if lang == "de" else "Please answer by"
            assert deadline in page
        page = client.get("/m/" + make_member_token(secret, slug)).get_data(as_text=True)
        assert_one_language(page, lang)
        answered = client.post("/r/" + make_token(secret, offer, "accept"))
        assert_one_language(answered.get_data(as_text=True), lang)
    finally:
        backend.engine.dispose()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_feedback_page_speaks_the_language_of_the_request(app: Flask, lang: str) -> None:
    backend = backend_of(app)
    _, public_id = request_at(backend, utcnow(), language=lang)
    token = make_feedback_token(backend.settings.secret_key, public_id)
    page = app.test_client().get(f"/f/{token}").get_data(as_text=True)
    assert_one_language(page, lang)


def test_a_broken_link_answers_in_german(app: Flask) -> None:
    page = app.test_client().get("/r/broken").get_data(as_text=True)
    assert_one_language(page, "de")
    assert "Dieser Link ist ungültig" in page


@pytest.mark.parametrize(("accept", "lang"), [("en-GB,en;q=0.9", "en"), ("de-DE", "de")])
def test_an_unreadable_body_is_refused_in_the_browsers_language(
    app: Flask, accept: str, lang: str
) -> None:
    response = app.test_client().post("/api/requests", data="{", content_type="application/json",
                                      headers={"Accept-Language": accept})
    [message] = response.get_json()["errors"]["_body"]
    assert message == (DE if lang == "de" else EN)["bad_body"]


@pytest.mark.parametrize(("accept", "lang", "form"), [("en-US,en", "en", "en/request/"),
                                                      ("de", "de", "anfrage/")])
def test_a_refused_form_post_is_a_page_in_the_browsers_language(
    app: Flask, accept: str, lang: str, form: str
) -> None:
    response = app.test_client().post(
        "/api/requests", data={"message": "x" * 40_000}, headers={"Accept-Language": accept})
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert_one_language(page, lang)
    assert (DE if lang == "de" else EN)["too_large"] in page and f'{form}"' in page
