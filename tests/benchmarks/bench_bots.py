"""How many scripted bot submissions reach a member, against real visitors in the same run.

    python tests/benchmarks/bench_bots.py [--bots 120]

The service runs with its deployed defaults (holding doubtful requests), behind one trusted
proxy so that bots come from 50 network addresses. Bots send JSON without the check, plain
form posts, a made-up check, one solved check replayed, and messages with links. The baseline:
visitors who solve the check as the form does, take longer than the minimum time and
write plainly. After
the worker's sweep, the script prints how many of each reached a member (goal for bots: 0).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[0] = str(ROOT)

from altcha import Challenge, Payload, solve_challenge  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from form_service.jobs import sweep  # noqa: E402
from form_service.models import Assignment, ClientRequest  # noqa: E402
from tests.conftest import REQUEST, backend_of, make_app  # noqa: E402

KINDS = ("json", "form", "made-up", "replayed", "links")


def solved(client: Any, address: str) -> str:
    """Return a solution of a fresh challenge, as the form's widget sends it."""
    challenge = Challenge.from_dict(
        client.get("/api/challenge", headers={"X-Forwarded-For": address}).json)
    return str(Payload(challenge, solve_challenge(challenge)).to_base64())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bots", type=int, default=120)
    parser.add_argument("--visitors", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    try:
        root = tmp / "network"
        root.mkdir()
        shutil.copy(ROOT / "network.yaml", root)
        shutil.copytree(ROOT / "partners", root / "partners")
        app = make_app(root, f"sqlite:///{tmp}/db.sqlite3", f"maildir://{tmp}/mail",
                       hold_doubtful=1, rate_limit="5/minute;50/day",
                       email_rate_limit="3/hour;10/day", trusted_proxies=1)
        client = app.test_client()
        # Visitors load the form, take their time, and send; a bot then replays one of their
        # solved checks (a solution admits one request).
        checks = [solved(client, f"198.51.100.{i}") for i in range(args.visitors)]
        time.sleep(4.5)  # longer than the minimum time a person takes to fill in the form
        for i, check in enumerate(checks):
            answer = client.post("/api/requests", json={
                **REQUEST, "email": f"person{i}@example.org", "altcha": check},
                headers={"X-Forwarded-For": f"198.51.100.{i}"})
            assert answer.status_code == 201, answer.status_code
        replayed = checks[0]
        kind_of: dict[str, str] = {}
        for i in range(args.bots):
            kind = KINDS[i % len(KINDS)]
            data: dict[str, Any] = {**REQUEST, "email": f"bot{i}@spam{i % 7}.example",
                                    "name": f"Bot {i}"}
            headers = {"X-Forwarded-For": f"203.0.113.{i % 50}"}
            if kind == "form":
                answer = client.post("/api/requests", headers=headers,
                                     data={**data, "consent": "on", "remote": ""})
            else:
                data["altcha"] = {"made-up": "eyJmb28iOiAiYmFyIn0=", "replayed": replayed,
                                  "links": solved(client, headers["X-Forwarded-For"])}.get(kind)
                if kind == "links":
                    data["message"] = "Great offer, see http://spam.example"
                answer = client.post("/api/requests", json=data, headers=headers)
            assert answer.status_code in (201, 303), answer.status_code
            kind_of[f"bot{i}@spam{i % 7}.example"] = kind
        sweep(backend_of(app))
        with backend_of(app).sessions() as session:
            offered = set(session.scalars(
                select(ClientRequest.email).join(Assignment).distinct()).all())
            statuses = dict(session.execute(select(ClientRequest.status, func.count())
                                            .group_by(ClientRequest.status)).all())
        for kind in KINDS:
            sent = [e for e, k in kind_of.items() if k == kind]
            print(f"bots, {kind:9}: {sum(e in offered for e in sent)} of {len(sent)} "
                  "reached a member")
        bots = sum(e in offered for e in kind_of)
        people = sum(f"person{i}@example.org" in offered for i in range(args.visitors))
        print(f"bots: {bots} of {len(kind_of)} reached a member ({bots / len(kind_of):.0%}); "
              f"visitors: {people} of {args.visitors} ({people / args.visitors:.0%})")
        print("stored by status:", {str(k): v for k, v in statuses.items()})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
