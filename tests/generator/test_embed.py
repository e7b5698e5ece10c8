"""The embed's data: fitting colleagues, what a member's frame reads, the snippet, the guide."""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable
from pathlib import Path

from generator.embed import Colleagues, bucket, snippet
from generator.loader import load_network
from generator.pages import SiteOptions, render_site

TODAY = dt.date(2026, 12, 1)


def test_colleagues_share_a_service_and_a_place_and_are_free(
    network_root: Path, make_partner: Callable[..., Path]
) -> None:
    for path in (network_root / "partners").glob("*.yaml"):
        path.unlink()  # only the members below
    make_partner("ich", services=["it-support"])
    make_partner("frei", services=["it-support", "netzwerk"])
    make_partner("knapp", referrals={"accepts": True, "capacity": "limited"})
    make_partner("voll", referrals={"accepts": True, "capacity": "full"})
    make_partner("nimmt-nichts", referrals={"accepts": False, "capacity": "available"})
    make_partner("weg", absences=[{"from": TODAY, "to": TODAY + dt.timedelta(days=3)}])
    make_partner("anderswo", location={"postal_code": "20095", "city": "Hamburg",
                                       "country": "DE"},
                 service_area={"postal_prefixes": ["20"], "remote": False})
    make_partner("andere-leistung", services=["steuerberatung"])
    network = load_network(network_root)
    found = Colleagues(network, TODAY).of("ich", network.partners["ich"])
    assert found == ["frei", "knapp"]


def test_each_member_has_data_for_its_frame() -> None:
    network = load_network(Path(__file__).resolve().parents[2])
    files = {p.path: p for p in render_site(network, SiteOptions(today=TODAY))}
    assert "einbetten/rahmen.html" in files
    buckets = len([path for path in files if path.startswith("einbetten/daten-")])
    assert buckets == -(-len(network.partners) // 10)
    data = json.loads(files[f"einbetten/daten-{bucket('mueller-it', buckets)}.json"].content)[
        "mueller-it"]
    partner = network.partners["mueller-it"]
    assert data["name"] == partner.name and data["service"] == partner.services[0]
    assert data["absences"] == [[a.from_.isoformat(), a.to.isoformat(), a.deputy]
                                for a in partner.absences]
    assert set(data["names"]) >= {c for c, _ in data["colleagues"]} | {
        a.deputy for a in partner.absences if a.deputy}
    assert "mueller-it" not in [c for c, _ in data["colleagues"]]
    guide = html.unescape(files["mitglieder/einbetten.md"].body)
    first = next(iter(network.partners))
    assert f'data-partnerdir="{first}"' in guide and "assets/embed.js" in guide


def test_snippet_escapes_the_name_and_loads_only_from_the_site(
    network_root: Path, make_partner: Callable[..., Path]
) -> None:
    make_partner("boese", name="<script>alert(1)</script> & Co")
    network = load_network(network_root)
    code = snippet(network, network.partners["boese"], "https://netz.example/")
    assert "<script>alert" not in code and "&lt;script&gt;" in code
    assert code.count("https://") == 2 and code.count("https://netz.example/") == 2
