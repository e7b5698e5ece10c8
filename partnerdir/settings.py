"""Every ``PARTNERDIR_*`` setting, declared once with its type, default and help, and read here.

The form service, the worker, the site build and the command line all read their settings
through this module and hand the values on; nothing else looks at the environment. It imports
only the standard library, so the generator, the form service and the CLI can all use it.
An unset or empty variable means the default; ``{root}`` in a default is the network folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PREFIX = "PARTNERDIR_"


class SettingError(ValueError):
    """A setting with a value that cannot be used; the message names its variable."""


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"must be a whole number, not {text!r}") from None


def _folder(text: str) -> Path:
    return Path(text).resolve()


def _address(text: str) -> str:
    # Links are joined as address + path, so an address always ends with exactly one slash.
    return text.rstrip("/") + "/"


def _branch(text: str) -> str:
    # The name goes into a git refspec, where a leading "-" or a ".." would mean something else.
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._/-]*", text) or ".." in text:
        raise ValueError(f"must be a branch name such as main, not {text!r}")
    return text


def _zone(text: str) -> str:
    # Checked at start-up, so a misspelt zone stops the service instead of every mail.
    try:
        ZoneInfo(text)
    except (ValueError, ZoneInfoNotFoundError):
        raise ValueError(f"must be a time zone such as Europe/Berlin, not {text!r}") from None
    return text


_PARSERS: dict[str, Callable[[str], Any]] = {"int": _whole, "str": str, "Path": _folder}


def setting(default: str, help: str, *, least: int | None = None, secret: bool = False,
            parse: Callable[[str], Any] | None = None) -> Any:
    """Declare a setting: its default as the environment would spell it, and its help."""
    return field(metadata={"default": default, "help": help, "least": least, "secret": secret,
                           "parse": parse})


@dataclass(frozen=True)
class Settings:
    """All settings; the field ``name`` is the environment variable ``PARTNERDIR_NAME``."""

    root: Path = setting(  # noqa: RUF009 - a field() declaration, as all of them
        ".", "Network folder with network.yaml and partners/.")
    database_url: str = setting(
        "sqlite:///{root}/instance/partnerdir.sqlite3",
        "SQLAlchemy URL of the database, e.g. postgresql+psycopg://user:password@host/name.")
    mail_url: str = setting(
        "maildir://{root}/instance/mail",
        "How mails leave: smtp://user:pass@host:port, smtps://… or maildir:///path.")
    redis_url: str = setting(
        "", "Redis server for rate limits and the job queue; empty: memory and instance/.")
    secret_key: str = setting(
        "", "Signs the links in mails; empty: a random key kept in instance/secret_key.",
        secret=True)
    site_url: str = setting(
        "http://127.0.0.1:8000/", "Address of the public site: CORS, redirects, links.",
        parse=_address)
    service_url: str = setting(
        "http://127.0.0.1:5000/", "Public address of the form service, for links in mails.",
        parse=_address)
    rate_limit: str = setting(
        "5/minute;50/day", "Requests per client address on the intake route, ';'-separated.")
    refused_rate_limit: str = setting(
        "30/minute;300/day", "Refused submissions (422) per client address, ';'-separated; "
        "they do not count toward PARTNERDIR_RATE_LIMIT.")
    email_rate_limit: str = setting(
        "3/hour;10/day", "Accepted requests per client email address, ';'-separated.")
    hold_rate_limit: str = setting(
        "3/day", "Accepted requests per client address before further ones are held.")
    hold_doubtful: int = setting(
        "1", "1: hold doubtful requests (no or failed check, links, many from one address) "
        "until the coordinator releases them; 0: offer every request at once.", least=0)
    form_min_seconds: int = setting(
        "4", "Seconds at least between loading the form and sending it; sooner is held.",
        least=0)
    max_body_bytes: int = setting(
        "16384", "Largest accepted request body in bytes; larger ones get 413.", least=1)
    accept_deadline_hours: int = setting(
        "48", "Hours a member has to accept before the next candidate is asked.", least=1)
    link_max_age_days: int = setting(
        "14", "Days an accept/decline link stays valid.", least=1)
    consent_version: str = setting(
        "2026-11", "Version of the consent text at the form, stored with every request.")
    trusted_proxies: int = setting(
        "0", "Reverse proxies in front of the service whose X-Forwarded-For is trusted.",
        least=0)
    mail_from: str = setting(
        "", "Sender of every mail; empty: the network's name and coordinator from network.yaml.")
    mail_connections: int = setting(
        "4", "SMTP connections the worker sends over at once, each carrying batches of mails.",
        least=1)
    followup_days: int = setting(
        "14", "Days after an accept until the client is asked how it went; 0: never.", least=0)
    feedback_link_days: int = setting(
        "30", "Days the feedback link in a follow-up mail stays valid.", least=1)
    member_link_days: int = setting(
        "60", "Days the member page link in a mail to a member stays valid.", least=1)
    retention_days: int = setting(
        "180", "Days after receipt when a client's personal data is erased.", least=1)
    form_service_url: str = setting(
        "", "Where the site's request form posts; empty: form_service_url in network.yaml, "
        "else the site's own server.")
    network_git: str = setting(
        "", "Git repository the service follows (URL or path); empty: the profiles in root.")
    network_branch: str = setting(
        "main", "Branch of PARTNERDIR_NETWORK_GIT that is followed.", parse=_branch)
    network_sync_seconds: int = setting(
        "300", "Seconds between two fetches of PARTNERDIR_NETWORK_GIT by the worker.", least=1)
    webhook_secret: str = setting(
        "", "Secret of the push webhook POST /hooks/git; empty: the hook refuses every call.",
        secret=True)
    time_zone: str = setting(
        "Europe/Berlin", "Time zone of the dates and times in mails and pages.", parse=_zone)
    serve_host: str = setting("127.0.0.1", "Address 'partnerdir serve' listens on.")
    serve_port: int = setting("8000", "Port of the site under 'partnerdir serve'.", least=1)
    serve_service_port: int = setting(
        "5000", "Port of the form service under 'partnerdir serve'.", least=1)
    statistics_file: Path = setting(  # noqa: RUF009 - a field() declaration, as all
        "{root}/instance/statistics.json", "Figures 'partnerdir stats' writes and the site "
        "build shows on its statistics page; no file: no page.")

    @classmethod
    def from_env(cls, overrides: Mapping[str, Any] | None = None,
                 environ: Mapping[str, str] | None = None) -> Settings:
        """Read all settings: ``overrides`` by lower-case name first, then the environment."""
        unknown = sorted(set(overrides or {}) - set(DECLARED))
        if unknown:
            raise SettingError(f"unknown settings {unknown}; known are {sorted(DECLARED)}")
        return cls(**{name: read(name, overrides, environ) for name in DECLARED})

    @property
    def site_origin(self) -> str:
        """The site's origin (scheme, host, port) for CORS and Origin checks."""
        scheme, _, rest = self.site_url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}"


@dataclass(frozen=True)
class Declaration:
    """One setting as declared: name, default (environment text), help and how it is parsed."""

    name: str
    default: str
    help: str
    parse: Callable[[str], Any]
    least: int | None
    secret: bool

    @property
    def variable(self) -> str:
        """The environment variable that sets it."""
        return PREFIX + self.name.upper()

    def value(self, text: str) -> Any:
        """Return ``text`` parsed and checked; raise SettingError naming the variable."""
        try:
            value = self.parse(text)
        except ValueError as exc:
            raise SettingError(f"{self.variable} {exc}") from None
        if self.least is not None and value < self.least:
            raise SettingError(f"{self.variable} must be at least {self.least}, not {value}")
        return value


DECLARED: dict[str, Declaration] = {
    f.name: Declaration(f.name, f.metadata["default"], f.metadata["help"],
                        f.metadata["parse"] or _PARSERS[str(f.type)], f.metadata["least"],
                        f.metadata["secret"])
    for f in fields(Settings)
}
"""Every setting by name, in the order of their declaration."""


def variable(name: str) -> str:
    """Return the environment variable of setting ``name``."""
    return DECLARED[name].variable


def _given(name: str, overrides: Mapping[str, Any] | None,
           environ: Mapping[str, str] | None) -> tuple[str, str]:
    """Return the text set for ``name`` (empty when unset) and where it was set."""
    if overrides and name in overrides:
        return str(overrides[name]), "override"
    text = (os.environ if environ is None else environ).get(variable(name), "")
    return text, "environment" if text else "default"


def text(name: str, overrides: Mapping[str, Any] | None = None,
         environ: Mapping[str, str] | None = None) -> str:
    """Return setting ``name`` as spelled where it is set, else its declared default."""
    given, _ = _given(name, overrides, environ)
    if given:
        return given
    spelled = DECLARED[name].default
    if "{root}" in spelled:
        spelled = spelled.replace("{root}", str(read("root", overrides, environ)))
    return spelled


def read(name: str, overrides: Mapping[str, Any] | None = None,
         environ: Mapping[str, str] | None = None) -> Any:
    """Return the value of setting ``name`` alone, with ``overrides`` before ``environ``."""
    return DECLARED[name].value(text(name, overrides, environ))


def source(name: str, overrides: Mapping[str, Any] | None = None,
           environ: Mapping[str, str] | None = None) -> str:
    """Return where the value of setting ``name`` comes from: override, environment or default."""
    return _given(name, overrides, environ)[1]


def default(name: str) -> Any:
    """Return the declared default value of setting ``name``."""
    return read(name, environ={})
