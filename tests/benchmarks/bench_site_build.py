"""Build time of the directory site against a bare mkdocs-material build of as many pages.

    python tests/benchmarks/bench_site_build.py [--sizes 1000 10000]

For each N, in the same run and alternating: ``partnerdir build`` (validate, generate, strict
MkDocs build) of N synthetic profiles, and ``mkdocs build`` of N plain Markdown pages kept out
of the navigation with the same theme settings. Printed for the first build into an empty
folder and for rebuilds over the last site (the fastest of --repeat counts). Goal: ratio
<= 1.15, and growth close to linear.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
from synthetic import write_network  # noqa: E402

PLAIN_PAGE = """# Betrieb {i}

Betrieb **{i}** hilft Kunden in der Stadt und Umgebung: zuverlässig, schnell und fair.

- Sie bekommen binnen eines Tages eine Antwort.
- Sie zahlen einen festen Preis ohne Überraschungen.

Kontakt: info@betrieb{i}.example, +49 89 1234567.
"""


def bare_site(root: Path, count: int) -> Path:
    """Write N plain pages and an mkdocs.yml with our theme settings, pages out of the nav."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config["plugins"] = [p for p in config["plugins"] if p != "partnerdir"]
    config.pop("custom_dir", None)
    config["theme"].pop("custom_dir", None)
    config["nav"] = [{"Start": "index.md"}]
    config["not_in_nav"] = "/p/"
    config.pop("validation", None)
    config.pop("extra_css", None)
    config.pop("extra_javascript", None)
    docs = root / "content"
    (docs / "p").mkdir(parents=True)
    (docs / "index.md").write_text("# Start\n", encoding="utf-8")
    for i in range(count):
        (docs / "p" / f"betrieb-{i}.md").write_text(PLAIN_PAGE.format(i=i), encoding="utf-8")
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return root


def our_site(root: Path, count: int) -> Path:
    """Write N synthetic profiles with the real site configuration."""
    write_network(root, count)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    for name in ("content", "overrides"):
        shutil.copytree(REPO / name, root / name)
    return root


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Run ``command`` in ``cwd``; return wall and CPU seconds, failing loudly on errors.

    CPU time (user + system of the child) is what a noisy neighbour on a shared machine
    disturbs least; wall time is what a member waits for.
    """
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=2,
                        help="rebuilds of each kind after the first, alternating; the fastest"
                             " counts")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    results: list[tuple[int, float, float]] = []  # N, bare CPU, partnerdir CPU
    with tempfile.TemporaryDirectory() as tmp:
        for count in args.sizes:
            bare = bare_site(Path(tmp) / f"bare-{count}", count)
            ours = our_site(Path(tmp) / f"ours-{count}", count)
            bares, ourses = [], []
            for _ in range(args.repeat + 1):  # alternate, so that a noisy moment hits both
                bares.append(timed([str(bin_dir / "mkdocs"), "build", "-q"], bare))
                ourses.append(timed([str(bin_dir / "partnerdir"), "build"], ours))
            for label, b, o in (("first build", bares[:1], ourses[:1]),
                                ("rebuild", bares[1:], ourses[1:])):
                w_bare, w_ours = min(w for w, _ in b), min(w for w, _ in o)
                c_bare, c_ours = min(c for _, c in b), min(c for _, c in o)
                if label == "rebuild":
                    results.append((count, c_bare, c_ours))
                print(f"N={count:>6} {label:11}: bare mkdocs-material {w_bare:6.1f} s wall "
                      f"{c_bare:6.1f} s CPU   partnerdir build {w_ours:6.1f} s wall "
                      f"{c_ours:6.1f} s CPU   ratio {w_ours / w_bare:4.2f} wall "
                      f"{c_ours / c_bare:4.2f} CPU  (goal <= 1.15)")
            shutil.rmtree(bare)
            shutil.rmtree(ours)
    if len(results) > 1:
        (n0, b0, o0), (n1, b1, o1) = results[0], results[-1]
        print(f"growth N {n0} -> {n1} (x{n1 / n0:.0f}), CPU: bare x{b1 / b0:.1f}, "
              f"partnerdir x{o1 / o0:.1f}, per-page time ratio {(o1 / n1) / (o0 / n0):.2f} "
              "(1.00 = linear)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
