"""Out-of-office texts: dates as readers write them, the deputy when there is one, the link."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.absence_text import absence_texts
from generator.loader import Network, load_network

TODAY = dt.date(2026, 12, 1)
AWAY = {"from": dt.date(2026, 12, 21), "to": dt.date(2027, 1, 6), "reason": "vacation"}


@pytest.fixture
def network(network_root: Path, make_partner: Callable[..., Path]) -> Network:
    make_partner("vertretung", name="Vertretung & Co", contact={
        "email": "hilfe@vertretung.example", "phone": "+49 89 111222"})
    make_partner("mit-vertretung", absences=[{**AWAY, "deputy": "vertretung"}])
    make_partner("allein", name="Allein GmbH", absences=[
        {"from": dt.date(2026, 10, 1), "to": dt.date(2026, 10, 9)},  # over: no text
        {**AWAY, "reason": "training"}])
    return load_network(network_root)


def texts(network: Network, slug: str) -> dict[str, str]:
    return {t.language: t.text for t in absence_texts(network, network.partners[slug], TODAY)}


def test_texts_with_a_deputy_name_them_and_how_to_reach_them(network: Network) -> None:
    de, en = texts(network, "mit-vertretung").values()
    assert "vom 21. Dezember 2026 bis zum 6. Januar 2027 nicht im Büro (Urlaub)" in de
    assert "from 21 December 2026 to 6 January 2027 (vacation)" in en
    for text in (de, en):
        assert "Vertretung & Co" in text
        assert "hilfe@vertretung.example, +49 89 111222" in text
        assert ("https://empfehlungsnetz.example/anfrage/?service=it-support"
                "&referred_by=mit-vertretung&reason=absence") in text
    assert "In dringenden Fällen" in de and "urgent" not in de
    assert "For urgent matters" in en and "dringend" not in en


def test_texts_without_a_deputy_point_to_the_network_alone(network: Network) -> None:
    found = absence_texts(network, network.partners["allein"], TODAY)
    assert [(t.absence.from_, t.language) for t in found] == [
        (AWAY["from"], "de"), (AWAY["from"], "en")]
    de, en = found[0].text, found[1].text
    assert "(Fortbildung)" in de and "(training)" in en
    assert "vertritt" not in de and "stands in" not in en
    assert "referred_by=allein&reason=absence" in de
    assert "Empfehlungsnetz Süd ein anderes passendes Mitglied" in de


def test_a_member_without_absences_gets_no_text(network: Network) -> None:
    assert absence_texts(network, network.partners["vertretung"], TODAY) == []
