"""Build time the open data, the embed's frames and the statistics page add to the site build.

    python tests/benchmarks/bench_open_data.py [--sizes 1000 10000] [--repeat 2] [--settle S]

For each N, in the same run and alternating: ``partnerdir build`` of N synthetic profiles as it
is, and the same build without the open data and the embed's files (``generator.outputs``).
Printed for first builds into an empty folder and for rebuilds over the last site (the fastest
of --repeat counts each), and the time of ``extra_pages`` alone, in this process. Goal: the
extra outputs add under 10 % to the build.

Every first build has a network folder of its own, and nothing is removed until the end: a
first build stands for a fresh clone, as in continuous integration. On ext4 without a journal
the benchmark also writes everything out and waits --settle seconds (default 370) before the
first builds: there the kernel, allocating an inode, skips one by one every inode removed in the
last minute, or in the last six while its block is unwritten (``recently_deleted`` in Linux's
``fs/ext4/ialloc.c``). Creating a file shortly after thousands were removed then costs several
times what it costs otherwise, and the build with the extras creates two files more per member.
A rebuild removes the last site while it writes the new one, so rebuilds pay whatever that
costs, as a network's builds one after another do.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_site_build import our_site, timed  # noqa: E402

# Without: no open data and no frames; the members' guide page stays, as the guide links to it.
WITHOUT = ("import generator.outputs as outputs; outputs.open_data = lambda *a: {}; "
           "outputs.frames = lambda *a: {}; from partnerdir.cli import main; main(['build'])")
WITH = "from partnerdir.cli import main; main(['build'])"
KINDS = (("without", WITHOUT), ("with", WITH))

Timing = tuple[float, float]


def extras_alone(root: Path) -> tuple[float, int]:
    """Return the seconds ``extra_pages`` takes for the network in ``root`` and its file count."""
    from generator.loader import load_network
    from generator.outputs import extra_pages
    from generator.pages import Renderer, SiteOptions

    renderer = Renderer(load_network(root), SiteOptions())
    start = time.perf_counter()
    files = extra_pages(renderer)
    return time.perf_counter() - start, len(files)


def journal_less_ext4(path: Path) -> bool:
    """Return whether ``path`` lies on an ext4 file system without a journal (Linux only)."""
    device = os.stat(path).st_dev
    name = Path(os.path.realpath(f"/sys/dev/block/{os.major(device)}:{os.minor(device)}")).name
    return (Path("/proc/fs/ext4", name).is_dir()
            and not any(Path("/proc/fs/jbd2").glob(f"{name}-*")))


def settle(seconds: float) -> None:
    """Write everything out, then wait until lately removed inodes no longer slow creation."""
    os.sync()
    if seconds > 0:
        print(f"  ext4 without a journal: waiting {seconds:.0f} s before the first builds "
              "(see the docstring)", flush=True)
        time.sleep(seconds)


def report(count: int, label: str, timings: list[list[Timing]]) -> None:
    """Print the fastest wall and CPU time of each kind and what the extras add."""
    (w0, c0), (w1, c1) = ((min(w for w, _ in runs), min(c for _, c in runs))
                          for runs in timings)
    print(f"N={count:>6} {label:11}: without extras {w0:6.1f} s wall {c0:6.1f} s CPU   "
          f"with {w1:6.1f} s wall {c1:6.1f} s CPU   added {100 * (w1 - w0) / w0:5.1f} % wall "
          f"{100 * (c1 - c0) / c0:5.1f} % CPU (goal < 10 %)", flush=True)
    for (kind, _), runs in zip(KINDS, timings, strict=True):
        print(f"{'':21}{kind} extras, each run: "
              + ", ".join(f"{w:.2f}" for w, _ in runs) + " s wall", flush=True)


def measure(tmp: Path, count: int, repeat: int, settle_seconds: float) -> None:
    """Measure first builds and rebuilds of ``count`` profiles with and without the extras."""
    python = sys.executable
    roots = [[our_site(tmp / f"{kind}-{count}-{run}", count) for kind, _ in KINDS]
             for run in range(repeat)]
    settle(settle_seconds)
    first: list[list[Timing]] = [[], []]
    for pair in roots:  # alternate, so that a noisy moment hits both
        for runs, root, (_, code) in zip(first, pair, KINDS, strict=True):
            runs.append(timed([python, "-c", code], root))
    report(count, "first build", first)
    rebuilt: list[list[Timing]] = [[], []]
    for _ in range(repeat):
        for runs, root, (_, code) in zip(rebuilt, roots[0], KINDS, strict=True):
            runs.append(timed([python, "-c", code], root))
    report(count, "rebuild", rebuilt)
    alone, files = extras_alone(roots[0][1])
    print(f"N={count:>6}: extra_pages alone {alone:5.2f} s for {files} files", flush=True)
    for pair in roots:
        for root in pair:
            shutil.rmtree(root)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=2,
                        help="first builds and rebuilds of each kind; the fastest counts")
    parser.add_argument("--settle", type=float, default=None,
                        help="seconds to wait before the first builds (default: 370 on ext4 "
                             "without a journal, else 0)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wait = args.settle if args.settle is not None else (
            370 if journal_less_ext4(Path(tmp)) else 0)
        for count in args.sizes:
            measure(Path(tmp), count, args.repeat, wait)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
