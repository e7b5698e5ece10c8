"""``partnerdir serve``: the site with live reload, the form service and the worker, locally."""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import click

from generator.loader import check
from partnerdir.profile_commands import report
from partnerdir.settings import variable
from partnerdir.settings_command import setting_option


@dataclass
class Part:
    """One process of the local setup."""

    label: str
    argv: list[str]
    hint: str
    process: subprocess.Popen[bytes] | None = None


def parts(root: Path, host: str, site_port: int, service_port: int) -> list[Part]:
    """Return the processes that make up the whole thing."""
    python = sys.executable
    return [
        Part("form service", [python, "-m", "flask", "--app", "form_service:create_app", "run",
                              "--host", host, "--port", str(service_port), "--no-reload"],
             "check the PARTNERDIR_* settings in your environment"),
        Part("worker", [python, "-m", "partnerdir", "--root", str(root), "worker"],
             "run 'partnerdir worker' on its own to see the whole error"),
        # --dirty: after a saved profile only the pages that changed are written again (the
        # plugin tells MkDocs which), so the preview follows within a second or two.
        Part("site", [python, "-m", "mkdocs", "serve", "--dev-addr", f"{host}:{site_port}",
                      "--config-file", str(root / "mkdocs.yml"), "--livereload", "--dirty"],
             "run 'partnerdir build' to see why the site does not build"),
    ]


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def environment(root: Path, host: str, site_port: int, service_port: int) -> dict[str, str]:
    """Return the environment that wires the site's form to the local service."""
    service = _url(host, service_port)
    # All three work on this network (so mails land in its instance/mail unless a mail server
    # is set), and links in mails and the site's form lead to this service, not a default port.
    return {**os.environ, variable("root"): str(root.resolve()),
            variable("site_url"): _url(host, site_port), variable("service_url"): service,
            variable("form_service_url"): service}


def _client_host(host: str) -> str:
    """The address to connect to for a server listening on ``host``."""
    return {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)


def port_in_use(host: str, port: int) -> bool:
    """Return whether another program listens on ``host``:``port`` already."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def listening(host: str, port: int) -> bool:
    """Return whether something accepts connections on ``host``:``port``."""
    try:
        with socket.create_connection((_client_host(host), port), timeout=0.5):
            return True
    except OSError:
        return False


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


def _check_alive(running: list[Part]) -> None:
    for part in running:
        assert part.process is not None
        if part.process.poll() is not None:
            raise click.ClickException(
                f"the {part.label} stopped (exit {part.process.returncode}); see its messages "
                f"above, {part.hint}, then run 'partnerdir serve' again."
            )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@click.command()
@setting_option("--host", "serve_host")
@setting_option("--port", "serve_port")
@setting_option("--service-port", "serve_service_port")
@click.pass_obj
def serve(root: Path, host: str, port: int, service_port: int) -> None:
    """Run the whole thing locally: site with live reload, form service and worker.

    Requests submitted through the site's form are stored in instance/ and the mails they cause
    are written to the local mail folder instance/mail/. The addresses are printed once both
    servers answer. Stop everything with Ctrl-C.
    """
    if not (root / "mkdocs.yml").is_file():
        raise click.ClickException(
            f"no mkdocs.yml in {root.resolve()}; run 'partnerdir serve' in the network folder "
            "or pass --root."
        )
    if port == service_port:
        raise click.UsageError("--port and --service-port must differ.")
    for number, option in ((port, "--port"), (service_port, "--service-port")):
        if port_in_use(host, number):
            raise click.ClickException(
                f"port {number} on {host} is in use (is another 'partnerdir serve' running?); "
                f"stop that program or choose another port with {option}."
            )
    _, problems = check(root, parallel=True)
    if problems:
        report(problems)
        raise click.ClickException("fix the profiles above, then run 'partnerdir serve' again.")
    signal.signal(signal.SIGTERM, _interrupt)
    # Started in the background by a script, a program inherits an ignored SIGINT; Ctrl-C and
    # 'kill -INT' must stop everything all the same.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    mail = (root / "instance" / "mail").resolve()
    mail.mkdir(parents=True, exist_ok=True)
    env = environment(root, host, port, service_port)
    running = parts(root, host, port, service_port)
    try:
        click.echo("Starting the site, the form service and the worker …", err=True)
        for part in running:
            part.process = subprocess.Popen(part.argv, cwd=root, env=env)
        while not (listening(host, port) and listening(host, service_port)):
            _check_alive(running)
            time.sleep(0.2)
        click.echo(
            f"\n  Site:          {_url(host, port)}\n"
            f"  Form service:  {_url(host, service_port)}healthz\n"
            f"  Mail folder:   {mail}\n"
            "  Stop with Ctrl-C.\n"
        )
        while True:
            _check_alive(running)
            time.sleep(0.5)
    except KeyboardInterrupt:
        click.echo("Stopping …", err=True)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop(running)
        click.echo("Stopped.", err=True)


def register(group: click.Group) -> None:
    """Add ``serve`` to ``group``."""
    group.add_command(serve)
