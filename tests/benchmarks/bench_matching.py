"""Matching latency against 10,000 synthetic partners, with a naive linear scan as baseline,
and with 5 % of the members having said they are full or away (statements, applied per request).

Run: python tests/benchmarks/bench_matching.py [N]   (default 10,000; goal p99 <= 2 ms)
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from form_service.eligibility import RULES, Criteria
from form_service.matching import Matcher, Standing
from generator.availability import State, Statement
from generator.model import Partner
from tests.benchmarks.synthetic import CITIES, synthetic_partner

SERVICES = ["it-support", "netzwerk", "webdesign", "steuerberatung", "buchhaltung", "fotografie",
            "uebersetzung", "elektro", "sanitaer", "schreinerei", "grafikdesign", "rechtsberatung"]
TODAY = dt.date(2026, 11, 22)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rng = random.Random(7)
    partners = {}
    for i in range(count):
        partner = Partner.model_validate(synthetic_partner(i, SERVICES, rng))
        partner._slug = f"betrieb-{i}"
        partners[partner.slug] = partner
    standings = {slug: Standing(rng.randint(0, 5), rng.randint(0, 9), rng.randint(0, 9))
                 for slug in partners}
    matcher = Matcher(partners)
    requests = [
        Criteria(service=rng.choice(SERVICES), postal_code=rng.choice(CITIES)[0],
                 remote=rng.random() < 0.3, language=rng.choice(["de", "de", "en"]),
                 referred_by=f"betrieb-{rng.randrange(count)}")
        for _ in range(2000)
    ]
    times = []
    for criteria in requests:
        start = time.perf_counter()
        matcher.choose(criteria, standings, TODAY)
        times.append((time.perf_counter() - start) * 1000)
    said = {
        slug: Statement(State.AWAY, TODAY, TODAY + dt.timedelta(days=7), f"betrieb-{i}", "ill")
        for i, slug in enumerate(random.Random(11).sample(sorted(partners), count // 20))
    }
    # Each request with and without the statements, back to back and taking turns at going
    # first (the second run finds warm caches), so that load on the machine weighs on both alike.
    stated: list[float] = []
    plain: list[float] = []
    for n, criteria in enumerate(requests):
        runs: tuple[tuple[dict[str, Statement], list[float]], ...] = ((said, stated), ({}, plain))
        for given, into in runs if n % 2 else runs[::-1]:
            start = time.perf_counter()
            matcher.choose(criteria, standings, TODAY, given)
            into.append((time.perf_counter() - start) * 1000)
    naive = []
    for criteria in requests[:200]:
        start = time.perf_counter()
        frame = criteria.frame(TODAY)
        [e for e in matcher.entries.values() if all(r.holds(e, criteria, frame) for r in RULES)]
        naive.append((time.perf_counter() - start) * 1000)
    p50, p95, p99 = (percentile(times, q) for q in (0.5, 0.95, 0.99))
    base = statistics.median(naive)
    print(f"partners: {count:,}   requests: {len(requests):,}")
    print(f"choose():     p50 {p50:6.3f} ms   p95 {p95:6.3f} ms   p99 {p99:6.3f} ms   (goal p99 <= 2 ms)")
    s50, s99 = (percentile(stated, q) for q in (0.5, 0.99))
    n50 = percentile(plain, 0.5)
    print(f"statements:   p50 {s50:6.3f} ms   p99 {s99:6.3f} ms   "
          f"({len(said):,} members full or away; ratio p50 {s50 / n50:4.2f} to none, same run)")
    print(f"linear scan:  p50 {base:6.3f} ms   (baseline: every partner checked, no index)")
    print(f"ratio p50 choose / linear scan: {p50 / base:5.2f}")


if __name__ == "__main__":
    main()
