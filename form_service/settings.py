"""Every setting of the form service, read from ``PARTNERDIR_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from generator.retention import days, privacy_figures


@dataclass(frozen=True)
class Settings:
    """Settings with embedded defaults; each field is ``PARTNERDIR_<NAME>`` in the environment."""

    root: Path
    """Network folder with network.yaml and partners/ (default: the current folder)."""
    database_url: str
    """SQLAlchemy URL (default: SQLite file instance/partnerdir.sqlite3 under the root)."""
    mail_url: str
    """smtp://user:pass@host:port, smtps://… or maildir:///path (default: instance/mail)."""
    redis_url: str
    """When set, rate limits and the job queue use this Redis server (default: unset)."""
    secret_key: str
    """Signs accept/decline links (default: a random key kept in instance/secret_key)."""
    site_url: str
    """Origin of the public site: CORS, redirects, links (default: http://127.0.0.1:8000/)."""
    service_url: str
    """Public address of this service, for links in mails (default: http://127.0.0.1:5000/)."""
    rate_limit: str
    """Requests per client address on the intake route (default: 5/minute;50/day)."""
    max_body_bytes: int
    """Largest accepted request body in bytes; larger ones get 413 (default: 16384)."""
    accept_deadline_hours: int
    """Hours a member has to accept before the next candidate is asked (default: 48)."""
    link_max_age_days: int
    """Days an accept/decline link stays valid (default: 14)."""
    consent_version: str
    """Version of the consent text shown with the form, stored per request (default: 2026-11)."""
    trusted_proxies: int
    """Reverse proxies in front of the service whose X-Forwarded-For is trusted (default: 0)."""
    mail_from: str
    """Sender address of all mails (default: the coordinator's address from network.yaml)."""
    followup_days: int
    """Days after an accept until the client is asked how it went; 0: never (default: 14)."""
    feedback_link_days: int
    """Days the feedback link in a follow-up mail stays valid (default: 30)."""
    retention_days: int
    """Days after receipt when a client's personal data is erased (default: 180)."""

    @classmethod
    def from_env(cls, overrides: dict[str, Any] | None = None) -> Settings:
        """Read the settings from the environment, with ``overrides`` taking precedence."""
        over = {f"PARTNERDIR_{k.upper()}": str(v) for k, v in (overrides or {}).items()}
        environ = {**os.environ, **over}

        def get(name: str, default: str) -> str:
            return environ.get(f"PARTNERDIR_{name.upper()}", default)

        privacy = privacy_figures(environ)  # the same figures the privacy page states
        root = Path(get("root", ".")).resolve()
        instance = root / "instance"
        return cls(
            root=root,
            database_url=get("database_url", f"sqlite:///{instance / 'partnerdir.sqlite3'}"),
            mail_url=get("mail_url", f"maildir://{instance / 'mail'}"),
            redis_url=get("redis_url", ""),
            secret_key=get("secret_key", "") or _stored_secret(instance),
            site_url=get("site_url", "http://127.0.0.1:8000/").rstrip("/") + "/",
            service_url=get("service_url", "http://127.0.0.1:5000/").rstrip("/") + "/",
            rate_limit=get("rate_limit", "5/minute;50/day"),
            max_body_bytes=int(get("max_body_bytes", "16384")),
            accept_deadline_hours=int(get("accept_deadline_hours", "48")),
            link_max_age_days=int(get("link_max_age_days", "14")),
            consent_version=get("consent_version", "2026-11"),
            trusted_proxies=int(get("trusted_proxies", "0")),
            mail_from=get("mail_from", ""),
            followup_days=privacy.followup_days,
            feedback_link_days=days(environ, "feedback_link_days", 30, least=1),
            retention_days=privacy.retention_days,
        )

    @property
    def site_origin(self) -> str:
        """The site's origin (scheme, host, port) for CORS and Origin checks."""
        scheme, _, rest = self.site_url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}"


def _stored_secret(instance: Path) -> str:
    path = instance / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    path.write_text(key, encoding="ascii")
    path.chmod(0o600)
    return key


def setting_names() -> list[str]:
    """Return every environment variable the service reads."""
    return [f"PARTNERDIR_{f.name.upper()}" for f in fields(Settings)]
