"""Write screenshots of the pages a client and a member see, at phone and desktop width.

    .venv/bin/python tests/screenshots.py --out screenshots/

Builds the sample network's site, starts it and the form service on loopback, stores one request
so that a member has an offer to answer, and saves one PNG per page and width for review.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

# Run as a script, its own folder would come first, and tests/generator would hide generator.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from form_service.links import make_token  # noqa: E402
from form_service.models import utcnow  # noqa: E402
from tests.conftest import CHROMIUM  # noqa: E402
from tests.form_service.history import open_offer, request_at  # noqa: E402
from tests.generator.conftest import (  # noqa: E402
    FormService,
    StaticServer,
    build_site,
    copy_network,
)
from tests.servers import free_port  # noqa: E402

WIDTHS = {"phone": 390, "desktop": 1280}
SITE_PAGES = {
    "home": "",
    "directory": "verzeichnis/",
    "partner": "partner/mueller-it/",
    "request": "anfrage/",
    "request-en": "en/request/",
    "thanks": "anfrage/danke/",
    "thanks-en": "en/request/thanks/",
}


def member_pages(service: FormService) -> dict[str, str]:
    """Store a request, route it, and return the addresses of its offer's answer pages."""
    backend = service.app.extensions["partnerdir"]
    request_id, _ = request_at(backend, utcnow(), postal_code="80331",
                               needed_from=None, needed_until=None)
    offer, _ = open_offer(backend, request_id)
    secret = backend.settings.secret_key
    return {f"answer-{action}": service.url + "r/" + make_token(secret, offer, action)
            for action in ("accept", "decline")}


def shoot(out: Path) -> list[Path]:
    """Write every screenshot into ``out`` and return their paths."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_network(Path(tmp) / "network")
        port = free_port()
        with StaticServer(root / "site") as static:
            build_site(root, f"http://127.0.0.1:{port}/")
            with FormService(root, port, static.url, Path(tmp) / "instance") as service:
                pages = {name: static.url + path for name, path in SITE_PAGES.items()}
                pages |= member_pages(service)
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
                    for width_name, width in WIDTHS.items():
                        context = browser.new_context(viewport={"width": width, "height": 900},
                                                      locale="de-DE")
                        page = context.new_page()
                        for name, url in pages.items():
                            page.goto(url, wait_until="networkidle")
                            # Cards off screen are skipped until scrolled to; a full-page
                            # picture would show them empty.
                            page.add_style_tag(content=".pd-card { content-visibility: visible "
                                               "!important; }")
                            path = out / f"{name}-{width_name}.png"
                            page.screenshot(path=str(path), full_page=True)
                            written.append(path)
                        context.close()
                    browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and write the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"),
                        help="folder for the PNG files (created if missing)")
    args = parser.parse_args(argv)
    for path in shoot(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
