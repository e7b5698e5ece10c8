"""Fixtures for the site: a strict build of the sample network, served on loopback, and Chromium."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from werkzeug.serving import make_server

from form_service import create_app
from tests.servers import free_port

REPO = Path(__file__).resolve().parents[2]


def copy_network(target: Path) -> Path:
    """Copy everything a site build reads into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("network.yaml", "mkdocs.yml"):
        shutil.copy(REPO / name, target / name)
    for name in ("partners", "content", "overrides"):
        shutil.copytree(REPO / name, target / name, dirs_exist_ok=True)
    return target


def build_site(root: Path, form_service_url: str = "http://127.0.0.1:9/") -> Path:
    """Build the site of ``root`` strictly, its form posting to ``form_service_url``."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(root / "mkdocs.yml"), strict=True)
    # The plugin's own option: it comes before any setting or network.yaml.
    config.plugins["partnerdir"].config.form_service_url = form_service_url
    build(config)
    return Path(config["site_dir"])


class StaticServer:
    """Serve a folder over HTTP on 127.0.0.1 in a thread."""

    def __init__(self, folder: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> StaticServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class FormService:
    """The real form service on 127.0.0.1, mail into a local folder."""

    def __init__(self, root: Path, port: int, site_url: str, instance: Path,
                 **overrides: object) -> None:
        self.maildir = instance / "mail"
        self.app = create_app({
            "root": str(root), "database_url": f"sqlite:///{instance / 'db.sqlite3'}",
            "mail_url": f"maildir://{self.maildir}", "queue": False,
            "rate_limit": "1000/minute", "site_url": site_url,
            "service_url": f"http://127.0.0.1:{port}/", "secret_key": "browser-test",
            **overrides,
        })
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FormService:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()  # the port refuses connections again, as a stopped service's
        self.app.extensions["partnerdir"].engine.dispose()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StaticServer, FormService]]:
    """The sample network's site and its form service, both running on loopback."""
    root = copy_network(tmp_path_factory.mktemp("network"))
    service_port = free_port()
    with StaticServer(root / "site") as static:
        folder = build_site(root, f"http://127.0.0.1:{service_port}/")
        assert folder == root / "site"
        # Every browser test of the run comes from 127.0.0.1: its own requests are not
        # "many from one address" (that rule is tested on its own).
        with FormService(root, service_port, static.url, tmp_path_factory.mktemp("instance"),
                         hold_rate_limit="1000/day") as service:
            yield static, service


def absent_partner(root: Path, slug: str, start: dt.date, end: dt.date) -> None:
    """Give ``slug`` one absence from ``start`` to ``end``."""
    path = root / "partners" / f"{slug}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["absences"] = [{"from": start, "to": end, "reason": "vacation"}]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    """A fresh German browser page at phone width (tests set other widths as they need)."""
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Loading a page with everything it fetches can take longer on a busy machine.
    page.set_default_navigation_timeout(30_000)
    yield page
    context.close()
