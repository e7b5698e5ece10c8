"""The member page offers the out-of-office texts of the member's absences and the embed."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from form_service.links import make_member_token


@pytest.fixture
def absent(network_root: Path, make_partner: Callable[..., Path]) -> Path:
    soon = dt.date.today() + dt.timedelta(days=10)
    return make_partner("urlaub-it", name="Urlaub IT", absences=[
        {"from": soon, "to": soon + dt.timedelta(days=7), "deputy": "mueller-it"}])


def textareas(text: str) -> dict[str, str]:
    return {lang: html.unescape(body) for lang, body in
            re.findall(r'<textarea id="m-ooo-\d+" lang="(\w+)"[^>]*>(.*?)</textarea>', text, re.S)}


def test_member_page_shows_absence_texts_in_both_languages(absent: Path,
                                                           client: FlaskClient) -> None:
    page = client.get("/m/" + make_member_token("test-secret", "urlaub-it"))
    assert page.status_code == 200
    texts = textareas(page.get_data(as_text=True))
    assert set(texts) == {"de", "en"}
    assert "Müller IT-Service" in texts["de"] and "Vielen Dank" in texts["de"]
    assert "Thank you" in texts["en"] and "referred_by=urlaub-it&reason=absence" in texts["en"]
    assert 'data-partnerdir="urlaub-it"' in html.unescape(page.get_data(as_text=True))


def test_member_page_without_absences_offers_no_texts(absent: Path,
                                                      client: FlaskClient) -> None:
    page = client.get("/m/" + make_member_token("test-secret", "lingua-franca"))
    assert page.status_code == 200 and textareas(page.get_data(as_text=True)) == {}
