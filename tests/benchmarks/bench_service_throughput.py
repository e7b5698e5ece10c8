"""Throughput under gunicorn: accepting and rate-limited paths against a bare route, same run.

Run: python tests/benchmarks/bench_service_throughput.py [SECONDS]   (default 10 per path)
Goals: accepting path >= 60 % of the bare route, rate-limited (429) path >= 80 %.

Two baselines, in the same run: a bare route added to the service's own app (it passes the
app's hooks, as every route does), and a bare route of a Flask app with nothing else, under a
gunicorn of its own with as many workers.

The accepting path is a scripted client's: JSON without the form's check, so every request is
stored and held for the coordinator, with the same 201 a person gets.
"""

from __future__ import annotations

import http.client
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import gunicorn, load, network_copy, request_body

ACCEPTING = {"PARTNERDIR_RATE_LIMIT": "1000000/minute",
             "PARTNERDIR_EMAIL_RATE_LIMIT": "1000000/minute"}
LIMITED = {"PARTNERDIR_RATE_LIMIT": "1/day"}
SLICE = 1.0
"""Seconds of one turn of each path."""


def ready(port: int, timeout: float = 120.0) -> None:
    """Wait until every worker answers: on a busy machine they start long after the port opens."""
    deadline = time.monotonic() + timeout
    answered = 0
    while answered < 8:
        if time.monotonic() > deadline:
            raise SystemExit("the service did not start")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/healthz")
            answered += connection.getresponse().status == 200
            connection.close()
        except OSError:
            time.sleep(0.5)


def measure(root: Path, env: dict[str, str], seconds: float
            ) -> tuple[float, float, float, dict[int, int]]:
    """Return the rates of the plain Flask route, the app's bare route and the intake under
    ``env``, and the intake's statuses.

    The three take turns in one-second slices, so that a shared machine's changing load falls
    on all alike rather than on whichever ran while it was busy.
    """
    plain = bare = posts = 0
    statuses: dict[int, int] = {}
    get = ("GET", "/bench/bare", None)
    with gunicorn(root, env) as (port, _), \
            gunicorn(root, env, module="plain_wsgi:app") as (plain_port, _):
        ready(port)
        ready(plain_port)
        load(port, lambda i: get, 1.0)  # warm up
        load(plain_port, lambda i: get, 1.0)
        for turn in range(max(1, round(seconds / SLICE))):
            plain += load(plain_port, lambda i: get, SLICE)[0]
            bare += load(port, lambda i: get, SLICE)[0]
            count, seen, _ = load(port, lambda i, turn=turn: (
                "POST", "/api/requests", request_body(turn * 10**6 + i)), SLICE)
            posts += count
            for status, n in seen.items():
                statuses[status] = statuses.get(status, 0) + n
    return plain / seconds, bare / seconds, posts / seconds, statuses


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    with tempfile.TemporaryDirectory() as tmp:
        root = network_copy(Path(tmp) / "net")
        plain, bare, accepted, s_acc = measure(root, ACCEPTING, seconds)
        plain2, bare2, limited, s_lim = measure(root, LIMITED, seconds)
    for label, rate, statuses in (("plain Flask route", plain, {}),
                                  ("bare route of the app", bare, {}),
                                  ("accepting POST", accepted, s_acc),
                                  ("plain Flask route (2)", plain2, {}),
                                  ("bare route of the app (2)", bare2, {}),
                                  ("rate-limited POST", limited, s_lim)):
        print(f"{label:26} {rate:8.0f} req/s   statuses {dict(sorted(statuses.items()))}")
    print(f"accepting / bare route of the app:     {accepted / bare:6.1%}   (goal >= 60 %)")
    print(f"accepting / plain Flask route:         {accepted / plain:6.1%}")
    print(f"rate-limited / bare route of the app:  {limited / bare2:6.1%}   (goal >= 80 %)")
    print(f"rate-limited / plain Flask route:      {limited / plain2:6.1%}")


if __name__ == "__main__":
    main()
