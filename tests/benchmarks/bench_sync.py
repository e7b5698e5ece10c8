"""Time from a push to its effect on routing: with the webhook, and by the worker's polling.

Run: python tests/benchmarks/bench_sync.py [--members N] [--rounds R] [--interval S]

A bare repository on disk is the remote; each round pushes a profile change (a member who alone
serves postal codes 99…, added or taken out again). The service runs under gunicorn with a real
``partnerdir worker``; the effect counts when the worker has swapped the new commit in, which is
when its routing uses it. The baseline is a bare ``git fetch`` of the same push into another
repository, in the same run. At the end one request for 99084 must be offered as the last push
says. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_reliability import wait_healthy, worker
from harness import REPO, gunicorn, network_copy
from synthetic import write_network

from tests.gitremote import GitRemote, git
from tests.servers import smtp_server

SECRET = "bench-secret"
NEW_EMAIL = "anfragen@neu-it.example"
TIMEOUT = 120.0


def toggle(remote: GitRemote, present: bool, round_: int) -> str:
    """Add the member serving 99… or take it out; push; return the commit."""
    path = remote.work / "partners" / "neu-it.yaml"
    if present:
        remote.put_partner("neu-it", name=f"Neu IT {round_}", contact={"email": NEW_EMAIL},
                           service_area={"postal_prefixes": ["99"], "remote": False})
    else:
        path.unlink()
    return remote.push(f"Round {round_}")


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not happen within {TIMEOUT:.0f} s")
        time.sleep(0.005)


def in_use(root: Path) -> str:
    try:
        return os.readlink(root / "instance" / "network" / "current")
    except OSError:
        return ""


def post(port: int, path: str, body: bytes, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json",
                                                       **headers})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def hook(port: int, sha: str) -> None:
    body = json.dumps({"ref": "refs/heads/main", "after": sha}).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    status = post(port, "/hooks/git", body,
                  {"X-GitHub-Event": "push", "X-Hub-Signature-256": signature})
    assert status == 202, status


def bare_fetch(baseline: Path, remote: GitRemote) -> float:
    """Time one plain fetch of the branch into the baseline repository."""
    start = time.perf_counter()
    subprocess.run(["git", f"--git-dir={baseline}", "fetch", "--quiet", "--no-tags",
                    str(remote.url), "+refs/heads/main:refs/heads/main"], check=True)
    return time.perf_counter() - start


def measure(root: Path, remote: GitRemote, baseline: Path, rounds: range,
            signal: Callable[[str], None] | None,
            pause: Callable[[], float]) -> tuple[list[float], list[float]]:
    """Push once per round, ``pause()`` seconds after the last effect; return the push-to-swap
    times and the times of a bare fetch of each push."""
    effects, fetches = [], []
    for i in rounds:
        time.sleep(pause())
        sha = toggle(remote, i % 2 == 0, i)
        pushed = time.perf_counter()
        if signal is not None:
            signal(sha)
        wait_for(lambda sha=sha: in_use(root) == sha, f"the swap of round {i}")  # type: ignore[misc]
        effects.append(time.perf_counter() - pushed)
        fetches.append(bare_fetch(baseline, remote))
    return effects, fetches


def summary(name: str, values: list[float]) -> str:
    return (f"{name:<28} median {statistics.median(values) * 1000:8.0f} ms   "
            f"mean {statistics.mean(values) * 1000:8.0f} ms   max {max(values) * 1000:8.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, default=0,
                        help="synthetic members in the repository; 0: the sample network")
    parser.add_argument("--rounds", type=int, default=10, help="pushes per way")
    parser.add_argument("--interval", type=int, default=5,
                        help="PARTNERDIR_NETWORK_SYNC_SECONDS for the polling rounds")
    parser.add_argument("--idle", type=float, default=15.0,
                        help="seconds the worker idles before each of three more webhook pushes")
    args = parser.parse_args()
    os.chdir(REPO)
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as folder, smtp_server() as smtp:
        tmp = Path(folder)
        source = write_network(tmp / "synthetic", args.members) if args.members else REPO
        remote = GitRemote.create(tmp / "git", source)
        root = network_copy(tmp / "root")
        baseline = tmp / "baseline.git"
        git(tmp, "init", "--quiet", "--bare", str(baseline))
        bare_fetch(baseline, remote)
        env = {"PARTNERDIR_MAIL_URL": smtp.url, "PARTNERDIR_SECRET_KEY": "bench",
               "PARTNERDIR_NETWORK_GIT": str(remote.url), "PARTNERDIR_WEBHOOK_SECRET": SECRET,
               "PARTNERDIR_NETWORK_SYNC_SECONDS": "3600"}
        members = args.members or len(list((REPO / "partners").glob("*.yaml")))
        print(f"{members} members, {args.rounds} pushes per way, polling every "
              f"{args.interval} s")
        with gunicorn(root, env) as (port, _):
            wait_healthy(port)
            # An hour between rounds: only the webhook brings a push in.
            with worker(root, env, tmp / "worker-hook.log"):
                wait_for(lambda: in_use(root) != "", "the first fetch")
                by_hook, fetch_a = measure(root, remote, baseline, range(args.rounds),
                                           lambda sha: hook(port, sha), lambda: 0.0)
                after_idle, _ = measure(root, remote, baseline,
                                        range(args.rounds, args.rounds + 3),
                                        lambda sha: hook(port, sha), lambda: args.idle)
            polling_env = {**env, "PARTNERDIR_NETWORK_SYNC_SECONDS": str(args.interval)}
            with worker(root, polling_env, tmp / "worker-poll.log"):
                # Pushes at random moments of the interval, as members' merges come.
                rng = random.Random(1)
                by_poll, fetch_b = measure(root, remote, baseline,
                                           range(args.rounds + 3, 2 * args.rounds + 3), None,
                                           lambda: rng.uniform(0, args.interval))
                if not (remote.work / "partners" / "neu-it.yaml").exists():
                    added = toggle(remote, True, 2 * args.rounds + 3)
                    wait_for(lambda: in_use(root) == added, "the last swap")
                body = json.dumps({
                    "service": "it-support", "postal_code": "99084", "language": "de",
                    "message": "Bitte um Rückruf.", "name": "Kunde", "email": "k@kunde.example",
                    "consent": True}).encode()
                assert post(port, "/api/requests", body, {}) == 201
                wait_for(lambda: bool(smtp.mailbox.to(NEW_EMAIL)), "routing as the last push says")
        fetches = fetch_a + fetch_b
        print(summary("bare git fetch (baseline)", fetches))
        print(summary("push -> routing, webhook", by_hook))
        print(summary(f"  the same after {args.idle:.0f} s idle", after_idle))
        print(summary(f"push -> routing, polling {args.interval} s", by_poll))
        base = statistics.median(fetches)
        print(f"webhook / bare fetch: {statistics.median(by_hook) / base:.1f}x (median)")
        print(f"polling / interval: {statistics.mean(by_poll) / args.interval:.2f} "
              "(mean; pushes come at random moments, so about half the interval plus one round)")
        print(f"routing check: the request for 99084 was offered to {NEW_EMAIL}")


if __name__ == "__main__":
    main()
