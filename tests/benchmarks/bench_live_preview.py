"""Live preview: seconds from saving one profile to its changed page, with 1,000 profiles.

    python tests/benchmarks/bench_live_preview.py [--count 1000] [--edits 3]

Starts ``partnerdir serve`` (site with live reload, form service, worker) on loopback in a
synthetic network, waits for the first build, then saves one profile with a new tagline and
polls the partner's page until the new text shows; then the same for the directory. In the
same run, a full ``mkdocs build`` of the same network is timed: what a rebuild costs when
nothing is kept. Goal: the partner page within 2 s.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))
from bench_site_build import our_site, timed  # noqa: E402

from tests.servers import free_port  # noqa: E402


def fetch(url: str) -> str:
    """Return the page at ``url``, or '' while it cannot be had."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except (OSError, urllib.error.HTTPError):
        return ""


def wait_for(url: str, text: str, timeout: float) -> float:
    """Poll ``url`` every 20 ms until it contains ``text``; return the seconds it took."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if text in fetch(url):
            return time.perf_counter() - start
        time.sleep(0.02)
    raise SystemExit(f"{text!r} did not appear on {url} within {timeout} s")


def edit(path: Path, tagline: str) -> None:
    """Save the profile at ``path`` with ``tagline``, as an editor does."""
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [f"tagline: {tagline}" if line.startswith("tagline:") else line for line in lines]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=3, help="saves measured, one after another")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        root = our_site(Path(tmp) / "net", args.count)
        full, _ = timed([str(bin_dir / "mkdocs"), "build", "-q"], root)
        port, service_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERDIR_")}
        process = subprocess.Popen(
            [str(bin_dir / "partnerdir"), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--service-port", str(service_port)],
            cwd=root, env={**env, "NO_MKDOCS_2_WARNING": "1"}, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            site = f"http://127.0.0.1:{port}/"
            started = wait_for(site, "<html", 300)
            print(f"profiles: {args.count}; first build while serving: {started:.1f} s")
            print(f"full 'mkdocs build' of the same network: {full:.2f} s "
                  "(what a rebuild costs when nothing is kept)")
            page = f"{site}partner/betrieb-7/"
            wait_for(page, "betrieb-7", 60)
            seconds = []
            for i in range(args.edits):
                marker = f"Neu gespeichert {i} {time.time_ns()}"
                edit(root / "partners" / "betrieb-7.yaml", marker)
                seconds.append(wait_for(page, marker, 120))
                wait_for(f"{site}verzeichnis/", marker, 120)
                time.sleep(1.0)  # let the live reload settle before the next save
            best, worst = min(seconds), max(seconds)
            print(f"saved profile -> its page changed: best {best:.2f} s, worst {worst:.2f} s "
                  f"({', '.join(f'{s:.2f}' for s in seconds)})   goal <= 2 s")
            print(f"ratio worst / full build: {worst / full:.2f}")
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
