"""Render the directory's pages from the network as plain Markdown/HTML files (no MkDocs).

Every page is a Markdown file whose body is one HTML block, so any engine that reads
Markdown with front matter (MkDocs today, another one tomorrow) publishes the same site.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from generator.availability import DEFAULT_FRAME, availability
from generator.dates import day as day_text
from generator.loader import Network
from generator.markup import safe_markdown, script_json
from generator.model import Absence, Partner
from generator.places import place_key, places_served
from generator.strings import TABLES
from generator.vocabulary import COUNTRIES, country_name, language_name
from partnerdir.settings import default

if TYPE_CHECKING:
    from partnerdir.settings import Settings

_TITLE_SAFE = str.maketrans({"<": "‹", ">": "›", "&": "&amp;", '"': "&quot;", "'": "&#39;"})
_JS_STRINGS = ("available", "limited", "full", "full_until", "closed", "away", "deputy",
               "count", "more", "errors", "failed", "received", "sending")


@dataclass(frozen=True)
class Page:
    """One file of the site: its path below the docs folder and its text."""

    path: str
    head: str
    """Front matter, empty for files that are not pages."""
    body: str
    html: bool = False
    """Whether the body is one finished HTML block, so an engine may skip Markdown for it."""

    @property
    def content(self) -> str:
        """The whole file."""
        return self.head + self.body


@dataclass(frozen=True)
class SiteOptions:
    """What the pages depend on besides the profiles."""

    form_service_url: str = "/"
    language: str = "de"
    today: dt.date = field(default_factory=dt.date.today)
    followup_days: int = default("followup_days")
    """Days after an accept until the client is asked how it went, as the privacy page states."""
    retention_days: int = default("retention_days")
    """Days after receipt when a client's data is erased, as the privacy page states."""
    promise_hours: int = default("accept_deadline_hours")
    """Hours within which a member usually answers: the service's deadline, promised alike."""
    statistics_file: Path | None = None
    """The figures of ``partnerdir stats`` for the statistics page; no file, no page."""


FORM_PATHS = {"de": ("anfrage/index.md", "anfrage/danke.md"),
              "en": ("en/request/index.md", "en/request/thanks.md")}
"""The request form and its thank-you page, in each language they exist in."""
PRIVACY_PATHS = {"de": "datenschutz.md", "en": "en/privacy.md"}


def title_text(text: str) -> str:
    """Make ``text`` safe for themes that print page titles without escaping them."""
    return text.translate(_TITLE_SAFE)


def front_matter(**values: Any) -> str:
    """Return a YAML front matter block; JSON strings are valid YAML scalars."""
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in values.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def public_record(partner: Partner, url: str) -> dict[str, Any]:
    """Return the public data of ``partner`` as published in ``partners.json``."""
    return {
        "slug": partner.slug,
        "name": partner.name,
        "tagline": partner.tagline,
        "url": url,
        "services": partner.services,
        "languages": partner.languages,
        "location": {"postal_code": partner.location.postal_code, "city": partner.location.city,
                     "country": partner.location.country},
        "postal_prefixes": partner.service_area.postal_prefixes,
        "remote": partner.service_area.remote,
        # The places the router compares with a request's (``generator/places.py``).
        "places": sorted(place_key(place) for place in places_served(
            partner.location.country, partner.service_area.postal_prefixes,
            partner.service_area.remote)),
        "accepts": partner.referrals.accepts,
        "capacity": partner.referrals.capacity,
        "absences": [
            {"from": a.from_.isoformat(), "to": a.to.isoformat(), "deputy": a.deputy}
            for a in partner.absences
        ],
        "contact": {key: value for key, value in (
            ("email", partner.contact.email), ("phone", partner.contact.phone),
            ("website", partner.contact.website)) if value},
    }


def json_ld(partner: Partner, url: str, closed: Iterable[Absence] = ()) -> dict[str, Any]:
    """Return the schema.org description of ``partner``, ``closed`` on the days of absences."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "name": partner.name,
        "url": url,
        "email": partner.contact.email,
        "address": {
            "@type": "PostalAddress",
            "postalCode": partner.location.postal_code,
            "addressLocality": partner.location.city,
            "addressCountry": partner.location.country,
        },
        "knowsLanguage": partner.languages,
    }
    if partner.tagline:
        data["description"] = partner.tagline
    if partner.contact.phone:
        data["telephone"] = partner.contact.phone
    if partner.contact.website:
        data["sameAs"] = partner.contact.website
    # Closed days as schema.org writes them: opens and closes at midnight, for the span given.
    days = [{"@type": "OpeningHoursSpecification", "opens": "00:00", "closes": "00:00",
             "validFrom": a.from_.isoformat(), "validThrough": a.to.isoformat()} for a in closed]
    if days:
        data["openingHoursSpecification"] = days
    return data


class Renderer:
    """Render every page of the directory for one network."""

    def __init__(self, network: Network, options: SiteOptions) -> None:
        self.network = network
        self.options = options
        self.t = TABLES.get(options.language, TABLES["de"])
        self.env = Environment(
            loader=PackageLoader("generator", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # templates do not change during a build: no stat per page
        )
        self.cards: dict[tuple[str, str], Markup] = {}
        self.env.filters["markdown"] = safe_markdown
        self.env.filters["script_json"] = script_json
        self.env.filters["date"] = self.date
        self.env.globals.update(
            t=self.t,
            network=network,
            settings=network.settings,
            partners=network.partners,
            today=options.today,
            # The profile alone: members' statements are the service's, merged in when viewed.
            status=lambda p: availability(p, options.today),
            service_label=self.service_label,
            language_name=lambda code: language_name(code, options.language),
            country_label=lambda code: country_name(code, options.language),
            promise_hours=options.promise_hours,
            lang=options.language,
            # The promise is the service's setting, filled in here rather than in the browser.
            i18n=script_json({k: self.t[k] for k in _JS_STRINGS}
                             | {"received": self.t.text("received", hours=options.promise_hours)}),
            card=self.card,
            # Where the pages read the members' current availability: our own service.
            availability_url=options.form_service_url.rstrip("/") + "/api/availability",
            frame_days=DEFAULT_FRAME.days,
        )

    def date(self, day: dt.date) -> str:
        """Format ``day`` as people write it: 6. Januar 2027 / 6 January 2027."""
        return day_text(day, self.options.language)

    def card(self, partner: Partner, base: str) -> Markup:
        """Return the directory card of ``partner``, rendered once per link base."""
        key = (partner.slug, base)
        if key not in self.cards:
            module: Any = self.env.get_template("_macros.html").module
            self.cards[key] = Markup(module.card_html(partner, base))
        return self.cards[key]

    def service_label(self, sid: str) -> str:
        """Return the catalogue label of a service id in the site's language."""
        service = self.network.settings.service(sid)
        if service is None:
            return sid
        return service.de if self.options.language == "de" else service.en

    def _page(self, path: str, template: str, meta: dict[str, Any], **context: Any) -> Page:
        body = self.env.get_template(template).render(**context)
        return Page(path, front_matter(**meta), body, html=True)

    def partner(self, partner: Partner) -> Page:
        """Render the page of one partner."""
        site_url = str(self.network.settings.site_url or "/")
        url = f"{site_url}partner/{partner.slug}/"
        repository = self.network.settings.repository
        edit = str(repository.edit_url) if repository else None
        # Out of the site search: its index is loaded by every page, and at thousands of
        # partners it would weigh megabytes; the directory's own filters find partners.
        meta: dict[str, Any] = {"title": title_text(partner.name), "hide": ["toc"],
                                "search": {"exclude": True}}
        if partner.tagline:
            meta["description"] = title_text(partner.tagline)
        upcoming = [a for a in sorted(partner.absences, key=lambda a: a.from_)
                    if a.to >= self.options.today]
        return self._page(
            f"partner/{partner.slug}.md", "partner.html", meta,
            p=partner, base="../../", upcoming=upcoming,
            edit_link=f"{edit}{partner.source}" if edit else None,
            ld=script_json(json_ld(partner, url, upcoming)),
        )

    def directory(self) -> Page:
        """Render the directory of every partner, with filters."""
        return self._page(
            "verzeichnis/index.md", "directory.html",
            {"title": self.t["directory"], "hide": ["toc"], "search": {"exclude": True}},
            base="../", cards=list(self.network.partners.values()),
            languages=sorted({c for p in self.network.partners.values() for c in p.languages}),
            **self._places(),
        )

    def services_index(self) -> Page:
        """Render the list of services with their member counts."""
        counts = {s.id: 0 for s in self.network.settings.services}
        for partner in self.network.partners.values():
            for sid in partner.services:
                counts[sid] = counts.get(sid, 0) + 1
        return self._page("leistungen/index.md", "services.html",
                          {"title": self.t["services"]}, base="../", counts=counts)

    def service(self, sid: str) -> Page:
        """Render the page of one service with the partners who offer it."""
        cards = [p for p in self.network.partners.values() if sid in p.services]
        return self._page(
            f"leistungen/{sid}.md", "service.html",
            {"title": title_text(self.service_label(sid)), "search": {"exclude": True}},
            base="../../", sid=sid, cards=cards,
        )

    def _form_page(self, index: int) -> tuple[str, str, dict[str, Any], dict[str, str]]:
        """Return the path of a form page in this language, its base, its front matter and
        the link to the same page in the other language."""
        lang = self.options.language if self.options.language in FORM_PATHS else "de"
        other = "en" if lang == "de" else "de"
        path = FORM_PATHS[lang][index]
        depth = path.count("/") + (0 if path.endswith("index.md") else 1)
        base = "../" * depth
        there = FORM_PATHS[other][index].removesuffix("index.md").removesuffix(".md")
        there = there if there.endswith("/") else there + "/"
        # English pages leave out the German menu; the switch leads back to the German site.
        hide = ["toc"] if lang == "de" else ["toc", "navigation"]
        switch = {"href": base + there, "label": self.t["other_language"], "lang": other}
        return path, base, {"hide": hide}, switch

    def request(self, site: str | None = None, **filled: Any) -> Page:
        """Render the request form that posts to the form service; the service renders it
        again for a plain form post with mistakes, with links to the ``site`` and ``filled``
        in (``values`` and ``errors`` by field)."""
        action = self.options.form_service_url.rstrip("/") + "/api/requests"
        languages = sorted({code for p in self.network.partners.values() for code in p.languages}
                           | {"de", "en"}, key=lambda c: (c != "de", c != "en", c))
        path, base, meta, switch = self._form_page(0)
        if site:
            switch = {**switch, "href": site + switch["href"].removeprefix(base)}
        # The browser checks postal codes as the service does, in either case of letters.
        patterns = {code: COUNTRIES[code].postal_code.pattern.replace("A-Z", "A-Za-z")
                    for code in self.network.countries}
        return self._page(
            path, "request.html", {"title": self.t["request"], **meta},
            base=site or base, action=action, languages=languages, switch=switch,
            patterns=patterns, example=COUNTRIES[self.network.home_country].example,
            # Without JavaScript the field cannot follow the chosen country: accept any of them.
            any_pattern="|".join(f"(?:{p})" for p in patterns.values()) if len(patterns) > 1
            else next(iter(patterns.values())),
            **self._places(), **({"values": {}, "errors": {}} | filled),
        )

    def _places(self) -> dict[str, Any]:
        """Return what the postal code fields need: a country choice (with more than one
        country among the members), a hint with examples, and whether codes are digits only."""
        codes = self.network.countries
        choices = [(code, country_name(code, self.options.language), COUNTRIES[code].example)
                   for code in codes] if len(codes) > 1 else []
        return {
            "countries": choices,
            "home_country": self.network.home_country,
            "postal_hint": ", ".join(f"{example} ({name})" for _, name, example in choices),
            "numeric": all(COUNTRIES[code].example.isdigit() for code in codes),
        }

    def thanks(self) -> Page:
        """Render the page a plain form post lands on."""
        path, base, meta, switch = self._form_page(1)
        return self._page(path, "thanks.html", {"title": self.t["thanks"], **meta},
                          base=base, switch=switch)

    def privacy(self) -> Page:
        """Render the privacy page, whose periods are the service's settings."""
        english = self.options.language == "en"
        body = self.env.get_template("privacy_en.md" if english else "privacy.md").render(
            options=self.options)
        meta: dict[str, Any] = {"title": self.t["footer_privacy"]}
        if english:
            meta["hide"] = ["navigation"]
        return Page(PRIVACY_PATHS["en" if english else "de"], front_matter(**meta), body)

    def data(self) -> Page:
        """Return ``partners.json``: the public data the directory's filters use."""
        records = [public_record(p, f"partner/{p.slug}/") for p in self.network.partners.values()]
        text = json.dumps({"generated": self.options.today.isoformat(), "partners": records},
                          ensure_ascii=False, separators=(",", ":"))
        return Page("partners.json", "", text)

    def pages(self) -> list[Page]:
        """Render every generated page of the site."""
        pages = [self.directory(), self.services_index(), self.request(), self.thanks(),
                 self.privacy()]
        pages.append(self.data())
        if self.options.language == "de":
            english = Renderer(self.network, replace(self.options, language="en"))
            pages += [english.request(), english.thanks(), english.privacy()]
        from generator.outputs import extra_pages  # it renders with this module's Renderer

        # Before the service and partner pages, which a second process may be rendering
        # meanwhile (``generator/split_site.py``); listed after them.
        extras = extra_pages(self)
        pages += [self.service(s.id) for s in self.network.settings.services]
        pages += [self.partner(p) for p in self.network.partners.values()]
        return pages + extras


def render_site(network: Network, options: SiteOptions | None = None) -> list[Page]:
    """Render every generated page of the site for ``network``."""
    return Renderer(network, options or SiteOptions()).pages()


def site_options(network: Network, settings: Settings, form_service_url: str | None = None,
                 language: str = "de") -> SiteOptions:
    """Return the options of ``network``'s site from ``settings``.

    The request form posts to the first of: ``form_service_url`` given here (the plugin's
    option in mkdocs.yml or ``--form-service-url``), ``PARTNERDIR_FORM_SERVICE_URL``,
    ``form_service_url`` in network.yaml, and ``/`` (the site's own server).
    """
    configured = network.settings.form_service_url
    url = (form_service_url or settings.form_service_url
           or (str(configured) if configured else "/"))
    return SiteOptions(form_service_url=url, language=language,
                       followup_days=settings.followup_days,
                       retention_days=settings.retention_days,
                       promise_hours=settings.accept_deadline_hours,
                       statistics_file=settings.statistics_file)


def write_site(pages: list[Page], out: Path) -> None:
    """Write ``pages`` below ``out``, creating folders as needed."""
    for page in pages:
        target = out / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.content, encoding="utf-8")
