"""Throughput under gunicorn: accepting and rate-limited paths against a bare route, same run.

Run: python tests/benchmarks/bench_service_throughput.py [SECONDS]   (default 10 per path)
Goals: accepting path >= 60 % of the bare route, rate-limited (429) path >= 80 %.

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


def measure(root: Path, env: dict[str, str], seconds: float) -> tuple[float, float, dict[int, int]]:
    """Return the rates of the bare route and of the intake under ``env``, and its statuses.

    The two take turns in one-second slices, so that a shared machine's changing load falls on
    both alike rather than on whichever ran while it was busy.
    """
    bare = posts = 0
    statuses: dict[int, int] = {}
    with gunicorn(root, env) as (port, _):
        ready(port)
        load(port, lambda i: ("GET", "/bench/bare", None), 1.0)  # warm up
        for turn in range(max(1, round(seconds / SLICE))):
            bare += load(port, lambda i: ("GET", "/bench/bare", None), SLICE)[0]
            count, seen, _ = load(port, lambda i, turn=turn: (
                "POST", "/api/requests", request_body(turn * 10**6 + i)), SLICE)
            posts += count
            for status, n in seen.items():
                statuses[status] = statuses.get(status, 0) + n
    return bare / seconds, posts / seconds, statuses


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    with tempfile.TemporaryDirectory() as tmp:
        root = network_copy(Path(tmp) / "net")
        bare, accepted, s_acc = measure(root, ACCEPTING, seconds)
        bare2, limited, s_lim = measure(root, LIMITED, seconds)
    for label, rate, statuses in (("bare route (baseline)", bare, {}),
                                  ("accepting POST", accepted, s_acc),
                                  ("bare route (baseline 2)", bare2, {}),
                                  ("rate-limited POST", limited, s_lim)):
        print(f"{label:26} {rate:8.0f} req/s   statuses {dict(sorted(statuses.items()))}")
    print(f"accepting / bare:     {accepted / bare:6.1%}   (goal >= 60 %)")
    print(f"rate-limited / bare:  {limited / bare2:6.1%}   (goal >= 80 %)")


if __name__ == "__main__":
    main()
