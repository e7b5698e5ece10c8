"""The directory page at N synthetic partners in Chromium: bytes, first render, filter changes.

    python tests/benchmarks/bench_directory_browser.py [--partners 10000]

Builds the site for N synthetic profiles, serves it on 127.0.0.1 and loads it in Debian's
Chromium through Playwright. Baseline in the same run: the site's home page. Goals: first
render of the directory < 1 s, a filter change < 100 ms.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))
from synthetic import write_network  # noqa: E402

from tests.generator.conftest import StaticServer  # noqa: E402

CHANGE = """async ([selector, value]) => {
  const field = document.querySelector(selector);
  const start = performance.now();
  if (field.type === "checkbox") { field.checked = value === "on"; } else { field.value = value; }
  field.dispatchEvent(new Event(field.type === "checkbox" ? "change" : "input", {bubbles: true}));
  document.body.offsetHeight;  // style and layout of the new result
  await new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
  return [performance.now() - start, document.getElementById("pd-count").textContent];
}"""
STEPS = [("#pd-f-service", "steuerberatung"), ("#pd-f-postal", "80331"), ("#pd-f-language", "en"),
         ("#pd-f-available", "on"), ("#pd-f-service", ""), ("#pd-f-postal", ""),
         ("#pd-f-language", ""), ("#pd-f-available", "off")]


def load(page: Any, url: str) -> dict[str, float]:
    """Load ``url`` with an empty cache; return bytes and paint times."""
    sizes: list[int] = []
    page.on("requestfinished", lambda r: sizes.append(r.sizes()["responseBodySize"]))
    page.goto(url, wait_until="load")
    timing = page.evaluate("""() => {
      const paint = Object.fromEntries(performance.getEntriesByType("paint").map(e => [e.name, e.startTime]));
      const nav = performance.getEntriesByType("navigation")[0];
      return {fcp: paint["first-contentful-paint"], dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd};
    }""")
    page.wait_for_load_state("networkidle")
    return {"bytes": float(sum(sizes)), **timing}


def build_network(root: Path, count: int) -> Path:
    """Write ``count`` synthetic profiles with the real site configuration and build it."""
    write_network(root, count)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    for name in ("content", "overrides"):
        shutil.copytree(REPO / name, root / name)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([str(Path(sys.executable).parent / "partnerdir"), "build"], cwd=root,
                   env=env, check=True, capture_output=True)
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partners", type=int, default=10000)
    parser.add_argument("--network", type=Path, default=None,
                        help="an already built network folder to measure instead")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        root = args.network or build_network(Path(tmp) / "network", args.partners)
        html = (root / "site" / "verzeichnis" / "index.html").read_bytes()
        data = (root / "site" / "partners.json").read_bytes()
        with StaticServer(root / "site") as static, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            figures: dict[str, dict[str, float]] = {}
            for name, path in (("home", ""), ("directory", "verzeichnis/")):
                runs = []
                for _ in range(3):
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    runs.append(load(context.new_page(), static.url + path))
                    context.close()
                figures[name] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(static.url + "verzeichnis/")
            page.wait_for_selector("#pd-filters:not([hidden])")
            changes = []
            for _ in range(3):
                for selector, value in STEPS:
                    elapsed, _count = page.evaluate(CHANGE, [selector, value])
                    changes.append(elapsed)
            context.close()
            browser.close()
    home, directory = figures["home"], figures["directory"]
    cards = html.count(b'<article class="pd-card"')
    print(f"partners: {cards:,}")
    print(f"directory HTML {len(html) / 1e6:.2f} MB ({len(gzip.compress(html)) / 1e6:.2f} MB gzip), "
          f"partners.json {len(data) / 1e6:.2f} MB ({len(gzip.compress(data)) / 1e6:.2f} MB gzip)")
    for name, f in figures.items():
        print(f"{name:>9}: transferred {f['bytes'] / 1e6:6.2f} MB   first render {f['fcp']:6.0f} ms"
              f"   DOM ready {f['dcl']:6.0f} ms   load {f['load']:6.0f} ms")
    print(f"first render directory / home: {directory['fcp'] / home['fcp']:.1f}x   "
          f"(goal: directory < 1000 ms -> {'met' if directory['fcp'] < 1000 else 'MISSED'})")
    p50, p95 = statistics.median(changes), sorted(changes)[int(len(changes) * 0.95) - 1]
    print(f"filter change: p50 {p50:.0f} ms   p95 {p95:.0f} ms   max {max(changes):.0f} ms   "
          f"(goal < 100 ms -> {'met' if max(changes) < 100 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
