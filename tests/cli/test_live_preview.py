"""``partnerdir serve``: a profile saved while the site is served shows on its page."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_serve import Output, group_exists, http, wait_until
from tests.generator.conftest import copy_network
from tests.servers import free_port

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def test_a_saved_profile_shows_on_its_page_while_serving(tmp_path: Path) -> None:
    root = copy_network(tmp_path / "network")
    slug = sorted(p.stem for p in (root / "partners").glob("*.yaml"))[0]
    site_port, service_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERDIR_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "partnerdir", "serve", "--host", "127.0.0.1",
         "--port", str(site_port), "--service-port", str(service_port)],
        cwd=root, env={**env, "PYTHONUNBUFFERED": "1", "NO_MKDOCS_2_WARNING": "1"},
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    assert process.stdout is not None
    output = Output(process.stdout)
    page = f"http://127.0.0.1:{site_port}/partner/{slug}/"
    try:
        wait_until(lambda: "Site:" in output.text, 120, "the addresses", output)
        status, body = http("GET", page)
        assert status == 200 and b"Gerade gespeichert" not in body
        profile = root / "partners" / f"{slug}.yaml"
        lines = profile.read_text(encoding="utf-8").splitlines()
        lines = [line for line in lines if not line.startswith("tagline:")]
        profile.write_text("\n".join([*lines, "tagline: Gerade gespeichert"]) + "\n",
                           encoding="utf-8")
        wait_until(lambda: b"Gerade gespeichert" in http("GET", page)[1], 60,
                   "the saved tagline on the partner's page", output)
        assert "Traceback" not in output.text, output.tail()
    finally:
        if group_exists(process.pid):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        output.thread.join(5)
        process.stdout.close()
