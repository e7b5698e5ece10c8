"""Throughput under gunicorn: accepting and rate-limited paths against a bare route, same run.

Run: python tests/benchmarks/bench_service_throughput.py [SECONDS]   (default 10 per path)
Goals: accepting path >= 40 % of the bare route, rate-limited (429) path >= 70 %.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import gunicorn, load, network_copy, request_body


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = network_copy(Path(tmp) / "net")
        with gunicorn(root, {"PARTNERDIR_RATE_LIMIT": "1000000/minute"}) as (port, _):
            load(port, lambda i: ("GET", "/bench/bare", None), 1.0)  # warm up
            bare, s_bare, _ = load(port, lambda i: ("GET", "/bench/bare", None), seconds)
            accepted, s_acc, _ = load(
                port, lambda i: ("POST", "/api/requests", request_body(i)), seconds)
        rows += [("bare route (baseline)", bare, s_bare), ("accepting POST", accepted, s_acc)]
        with gunicorn(root, {"PARTNERDIR_RATE_LIMIT": "1/day"}) as (port, _):
            load(port, lambda i: ("GET", "/bench/bare", None), 1.0)
            bare2, s_bare2, _ = load(port, lambda i: ("GET", "/bench/bare", None), seconds)
            limited, s_lim, _ = load(
                port, lambda i: ("POST", "/api/requests", request_body(i)), seconds)
        rows += [("bare route (baseline 2)", bare2, s_bare2), ("rate-limited POST", limited, s_lim)]
    for label, count, statuses in rows:
        print(f"{label:26} {count / seconds:8.0f} req/s   statuses {dict(sorted(statuses.items()))}")
    print(f"accepting / bare:     {accepted / bare:6.1%}   (goal >= 40 %)")
    print(f"rate-limited / bare:  {limited / bare2:6.1%}   (goal >= 70 %)")


if __name__ == "__main__":
    main()
