"""Synthetic networks for benchmarks: N valid, varied profiles written to a folder."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
CITIES = [("80331", "München"), ("70173", "Stuttgart"), ("60311", "Frankfurt am Main"),
          ("50667", "Köln"), ("20095", "Hamburg"), ("10115", "Berlin"), ("04109", "Leipzig"),
          ("79098", "Freiburg"), ("90402", "Nürnberg"), ("01067", "Dresden")]
CAPACITIES = ["available", "available", "limited", "full"]


def synthetic_partner(i: int, services: list[str], rng: random.Random) -> dict[str, object]:
    """Return the data of synthetic partner number ``i``."""
    postal_code, city = rng.choice(CITIES)
    data: dict[str, object] = {
        "name": f"Betrieb {i} {city}",
        "maintainers": [f"user{i}"],
        "tagline": f"Zuverlässige Hilfe in {city}",
        "description": f"Betrieb **{i}** hilft Kunden in {city} und Umgebung.\n\n- schnell\n- fair\n",
        "benefits": ["Sie bekommen binnen eines Tages eine Antwort.",
                     "Sie zahlen einen festen Preis ohne Überraschungen."],
        "services": rng.sample(services, k=rng.randint(1, 3)),
        "languages": ["de", "en"] if i % 3 == 0 else ["de"],
        "location": {"postal_code": postal_code, "city": city, "country": "DE"},
        "service_area": {"postal_prefixes": [postal_code[:2], postal_code[:3]], "remote": i % 4 == 0},
        "contact": {"email": f"info@betrieb{i}.example", "phone": "+49 89 1234567",
                    "website": f"https://betrieb{i}.example"},
        "referrals": {"accepts": i % 17 != 0, "capacity": rng.choice(CAPACITIES)},
        "absences": [],
    }
    if i % 5 == 0 and i > 0:
        data["absences"] = [{"from": "2026-12-21", "to": "2027-01-06", "reason": "vacation",
                             "deputy": f"betrieb-{i - 1}"}]
    return data


def write_network(root: Path, count: int, seed: int = 1) -> Path:
    """Write a network of ``count`` synthetic partners to ``root`` and return it."""
    rng = random.Random(seed)
    settings = yaml.safe_load((REPO / "network.yaml").read_text(encoding="utf-8"))
    services = [s["id"] for s in settings["services"]]
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "network.yaml", root / "network.yaml")
    folder = root / "partners"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    for i in range(count):
        text = yaml.safe_dump(synthetic_partner(i, services, rng), allow_unicode=True, sort_keys=False)
        (folder / f"betrieb-{i}.yaml").write_text(text, encoding="utf-8")
    return root
