"""Rendering profiles into pages, with plain data and no MkDocs."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.availability import availability
from generator.loader import load_network
from generator.markup import safe_markdown, script_json
from generator.pages import Page, SiteOptions, render_site, site_options, title_text
from partnerdir.cli import main
from partnerdir.settings import Settings

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
BUILD_DAY = dt.date(2026, 11, 23)


def pages_of(root: Path, **options: object) -> dict[str, str]:
    network = load_network(root)
    opts = SiteOptions(**{"form_service_url": "https://anfragen.example/", "today": BUILD_DAY,
                          **options})  # type: ignore[arg-type]
    return {page.path: page.content for page in render_site(network, opts)}


@pytest.mark.parametrize("path", ["partner/mueller-it.md", "anfrage/index.md",
                                  "leistungen/rechtsberatung.md"])
def test_pages_match_the_golden_files(path: str) -> None:
    content = pages_of(REPO)[path]
    golden = GOLDEN / path.replace("/", "__")
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(content, encoding="utf-8")
    assert content == golden.read_text(encoding="utf-8")


def test_every_partner_and_service_gets_a_page() -> None:
    pages = pages_of(REPO)
    network = load_network(REPO)
    for slug in network.partners:
        assert f"partner/{slug}.md" in pages
    for service in network.settings.services:
        assert f"leistungen/{service.id}.md" in pages
    directory = pages["verzeichnis/index.md"]
    assert directory.count('<article class="pd-card"') == len(network.partners)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 12, 20), "limited"),
        (dt.date(2026, 12, 21), "away"),
        (dt.date(2027, 1, 6), "away"),
        (dt.date(2027, 1, 7), "limited"),
    ],
    ids=["before", "first-day", "last-day", "after"],
)
def test_status_follows_absences(day: dt.date, expected: str) -> None:
    partner = load_network(REPO).partners["mueller-it"]
    assert availability(partner, day).state == expected


def test_partner_page_names_the_deputy_of_the_current_absence() -> None:
    page = pages_of(REPO, today=dt.date(2026, 12, 24))["partner/mueller-it.md"]
    assert "Abwesend bis 6. Januar 2027" in page
    assert '<a href="../../partner/schmidt-netzwerke/">Schmidt Netzwerke</a>' in page
    assert "reason=absence" in page


def test_ended_absences_are_not_listed() -> None:
    page = pages_of(REPO, today=dt.date(2027, 2, 1))["partner/mueller-it.md"]
    assert "pd-absences" not in page and "Begrenzt verfügbar" in page


def test_partners_json_holds_public_data_only() -> None:
    data = json.loads(pages_of(REPO)["partners.json"])
    records = {p["slug"]: p for p in data["partners"]}
    assert records["mueller-it"]["absences"] == [
        {"from": "2026-12-21", "to": "2027-01-06", "deputy": "schmidt-netzwerke"}
    ]
    text = json.dumps(data)
    # The address routed requests go to is not for the public.
    assert "anfragen@mueller-it.example" not in text
    assert "maintainers" not in text and "mmueller" not in text


def test_request_form_posts_to_the_configured_service() -> None:
    network = load_network(REPO)
    settings = Settings.from_env(environ={"PARTNERDIR_FORM_SERVICE_URL": "http://127.0.0.1:5001/"})
    form = next(p for p in render_site(network, site_options(network, settings))
                if p.path == "anfrage/index.md")
    assert 'action="http://127.0.0.1:5001/api/requests"' in form.content
    names = set(re.findall(r'name="([a-z_]+)"', form.content))
    assert {"service", "postal_code", "remote", "language", "needed_from", "needed_until",
            "message", "name", "email", "phone", "consent", "referred_by", "reason",
            "website"} <= names


OPTION, SETTING, NETWORK = ("https://option.example/", "https://setting.example/",
                            "https://anfragen.empfehlungsnetz.example/")


@pytest.mark.parametrize(("option", "setting", "in_network", "expected"), [
    (OPTION, SETTING, True, OPTION),
    (None, SETTING, True, SETTING),
    (None, "", True, NETWORK),
    (None, "", False, "/"),
], ids=["option", "setting", "network.yaml", "same-server"])
def test_the_form_service_address_comes_from_the_first_place_that_sets_it(
    option: str | None, setting: str, in_network: bool, expected: str, network_root: Path,
) -> None:
    if not in_network:
        path = network_root / "network.yaml"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(x for x in lines if not x.startswith("form_service_url:")),
                        encoding="utf-8")
    settings = Settings.from_env(environ={"PARTNERDIR_FORM_SERVICE_URL": setting})
    network = load_network(network_root)
    assert site_options(network, settings, option).form_service_url == expected


HOSTILE = '</title><script>alert(1)</script>"><img src=x onerror=alert(2)>&lt;/title&gt;'


def test_hostile_profile_text_stays_text(make_partner: Callable[..., Path],
                                         network_root: Path) -> None:
    make_partner(
        name="Evil <b>Corp</b> & Co",
        tagline='Best "quoted" </script><script>alert(3)</script>',
        description=(
            "[click](javascript:alert(4)) <script>alert(5)</script> ![x](https://tracker.example/x.png)\n\n"
            "<iframe src=https://evil.example></iframe> [ok](https://ok.example) "
            "[mail](mailto:a@b.example) [data](data:text/html;base64,PHNjcmlwdD4=)"
        ),
        benefits=[HOSTILE],
        contact={"email": "info@test-it.example", "website": "https://evil.example/?q=</script>"},
    )
    page = pages_of(network_root)["partner/test-it.md"]
    front, body = page.split("\n---\n", 1)
    assert "<script>alert" not in page and "<img" not in page and "<iframe" not in page
    assert 'href="javascript:' not in page and 'href="data:' not in page
    assert "tracker.example" not in page
    assert '<a href="https://ok.example" rel="nofollow noopener noreferrer">ok</a>' in page
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in page
    # The theme prints titles unescaped: no tag may survive into the front matter.
    assert "<" not in front and ">" not in front
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    assert ld is not None and json.loads(ld.group(1))["description"].startswith('Best "quoted"')
    assert "</script" not in ld.group(1)


@pytest.mark.parametrize(
    ("source", "allowed"),
    [
        ("[a](javascript:alert(1))", False),
        ("[a](JaVaScRiPt:alert(1))", False),
        ("[a](vbscript:x)", False),
        ("[a](data:text/html,x)", False),
        ("[a](ftp://x.example)", False),
        ("[a](https://x.example)", True),
        ("[a](http://x.example)", True),
        ("[a](mailto:x@y.example)", True),
        ("[a](tel:+4989123)", True),
    ],
    ids=lambda v: str(v),
)
def test_links_are_limited_to_safe_schemes(source: str, allowed: bool) -> None:
    assert ("href=" in safe_markdown(source)) is allowed


def test_script_json_cannot_end_the_script_element() -> None:
    text = script_json({"a": "</script><!--<script>", "b": "\u2028"})
    assert "<" not in text and ">" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!--<script>", "b": "\u2028"}


def test_title_text_has_no_markup() -> None:
    assert title_text('A<b>&"c') == "A‹b›&amp;&quot;c"


def test_generate_writes_the_same_pages(network_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["--root", str(network_root), "generate", "--out", str(out),
                                       "--form-service-url", "https://anfragen.example/"])
    assert result.exit_code == 0, result.output
    expected: list[Page] = render_site(load_network(network_root), SiteOptions(
        form_service_url="https://anfragen.example/"))
    for page in expected:
        # Bytes: vCards and calendars end their lines with CRLF, as their formats want.
        assert (out / page.path).read_bytes().decode("utf-8") == page.content
    assert f"Wrote {len(expected)} pages" in result.output
