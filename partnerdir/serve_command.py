"""``partnerdir serve``: the site with live reload, the form service and the worker, locally."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import click

from generator.loader import check
from partnerdir.profile_commands import report


@dataclass
class Part:
    """One process of the local setup."""

    label: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None


def parts(root: Path, host: str, site_port: int, service_port: int) -> list[Part]:
    """Return the processes that make up the whole thing."""
    python = sys.executable
    return [
        Part("form service", [python, "-m", "flask", "--app", "form_service:create_app", "run",
                              "--host", host, "--port", str(service_port), "--no-reload"]),
        Part("worker", [python, "-m", "partnerdir", "--root", str(root), "worker"]),
        Part("site", [python, "-m", "mkdocs", "serve", "--dev-addr", f"{host}:{site_port}",
                      "--config-file", str(root / "mkdocs.yml"), "--livereload"]),
    ]


def environment(root: Path, host: str, site_port: int, service_port: int) -> dict[str, str]:
    """Return the environment that wires the site's form to the local service."""
    env = dict(os.environ)
    instance = root / "instance"
    env.setdefault("PARTNERDIR_ROOT", str(root.resolve()))
    env["PARTNERDIR_SITE_URL"] = f"http://{host}:{site_port}/"
    env["PARTNERDIR_FORM_SERVICE_URL"] = f"http://{host}:{service_port}/"
    env.setdefault("PARTNERDIR_MAIL_URL", f"maildir://{(instance / 'mail').resolve()}")
    return env


def stop(running: list[Part], timeout: float = 10.0) -> None:
    """Stop every started process: SIGTERM first, SIGKILL after ``timeout`` seconds."""
    for part in running:
        if part.process and part.process.poll() is None:
            part.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for part in running:
        if part.process is None:
            continue
        try:
            part.process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            part.process.kill()
            part.process.wait()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port of the site.")
@click.option("--service-port", default=5000, show_default=True, help="Port of the form service.")
@click.pass_obj
def serve(root: Path, host: str, port: int, service_port: int) -> None:
    """Run the whole thing locally: site with live reload, form service and worker.

    Requests submitted through the site's form are stored in instance/ and the mails they cause
    are written to the local mail folder instance/mail/. Stop everything with Ctrl-C.
    """
    _, problems = check(root)
    if problems:
        report(problems)
        raise click.ClickException("fix the profiles above, then run 'partnerdir serve' again.")
    signal.signal(signal.SIGTERM, _interrupt)
    (root / "instance" / "mail").mkdir(parents=True, exist_ok=True)
    env = environment(root, host, port, service_port)
    running = parts(root, host, port, service_port)
    try:
        for part in running:
            part.process = subprocess.Popen(part.argv, cwd=root, env=env)
        click.echo(
            f"\n  Site:          http://{host}:{port}/\n"
            f"  Form service:  http://{host}:{service_port}/healthz\n"
            f"  Mail folder:   {(root / 'instance' / 'mail').resolve()}\n"
            "  Stop with Ctrl-C.\n"
        )
        while True:
            for part in running:
                assert part.process is not None
                if part.process.poll() is not None:
                    raise click.ClickException(
                        f"the {part.label} stopped (exit {part.process.returncode}); "
                        "see its messages above."
                    )
            time.sleep(0.5)
    except KeyboardInterrupt:
        click.echo("Stopping …")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop(running)
        click.echo("Stopped.")


def register(group: click.Group) -> None:
    """Add ``serve`` to ``group``."""
    group.add_command(serve)
