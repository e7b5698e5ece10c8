"""Validate N synthetic profiles; compare with bare YAML parsing of the same files.

Run: python tests/benchmarks/bench_validate.py [N]   (default 10,000)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import write_network

CHILD = """
import resource, sys, time
from pathlib import Path
mode, root = sys.argv[1], Path(sys.argv[2])
start = time.perf_counter()
if mode == "validate":
    from generator.loader import check
    network, problems = check(root, parallel=True)  # as 'partnerdir validate' does
    assert network is not None and not problems, problems[:5]
    count = len(network.partners)
else:
    import yaml
    count = 0
    for path in sorted((root / "partners").glob("*.yaml")):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        count += 1
elapsed = time.perf_counter() - start
print(count, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def measure(mode: str, root: Path) -> tuple[int, float, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(root)], check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[0]), float(out[1]), int(out[2]) / 1024


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        root = write_network(Path(tmp) / "net", count)
        measure("parse", root)  # warm the file cache
        runs = {mode: min((measure(mode, root) for _ in range(3)), key=lambda r: r[1])
                for mode in ("parse", "validate")}
    n, base, base_mem = runs["parse"]
    _, valid, valid_mem = runs["validate"]
    print(f"profiles:                  {n:,}")
    print(f"bare YAML parse (baseline): {base:6.2f} s   peak RSS {base_mem:6.0f} MiB")
    print(f"partnerdir validate:        {valid:6.2f} s   peak RSS {valid_mem:6.0f} MiB")
    print(f"ratio validate / parse:     {valid / base:6.2f}x   goal: validate < 5 s")
    print(f"per profile:                {valid / n * 1e6:6.0f} µs")


if __name__ == "__main__":
    main()
