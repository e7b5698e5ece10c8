"""Build time the open data, the embed's frames and the statistics page add to the site build.

    python tests/benchmarks/bench_open_data.py [--sizes 1000 10000] [--repeat 2]

For each N, in the same run and alternating: ``partnerdir build`` of N synthetic profiles as it
is, and the same build without the open data and the embed's files (``generator.outputs``),
each in a folder of its own. Printed for the first build into an empty folder and for rebuilds
over the last site (the fastest of --repeat counts). Also the time of ``extra_pages`` alone, in
this process. Goal: the extra outputs add under 10 % to the build.
"""

from __future__ import annotations

import argparse
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


def extras_alone(root: Path) -> tuple[float, int]:
    """Return the seconds ``extra_pages`` takes for the network in ``root`` and its file count."""
    from generator.loader import load_network
    from generator.outputs import extra_pages
    from generator.pages import Renderer, SiteOptions

    renderer = Renderer(load_network(root), SiteOptions())
    start = time.perf_counter()
    files = extra_pages(renderer)
    return time.perf_counter() - start, len(files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        for count in args.sizes:
            # A folder of its own for each: a rebuild writes over its own last site, as a
            # network's builds do one after another.
            roots = [our_site(Path(tmp) / f"{kind}-{count}", count) for kind in ("plain", "full")]
            runs: list[list[tuple[float, float]]] = [[], []]
            for _ in range(args.repeat + 1):  # alternate, so that a noisy moment hits both
                for runs_of, root, code in zip(runs, roots, (WITHOUT, WITH), strict=True):
                    runs_of.append(timed([python, "-c", code], root))
            alone, files = extras_alone(roots[1])
            for label, timings in (("first build", [r[:1] for r in runs]),
                                   ("rebuild", [r[1:] for r in runs])):
                (w0, c0), (w1, c1) = ((min(w for w, _ in t), min(c for _, c in t))
                                      for t in timings)
                print(f"N={count:>6} {label:11}: without extras {w0:6.1f} s wall {c0:6.1f} s "
                      f"CPU   with {w1:6.1f} s wall {c1:6.1f} s CPU   added "
                      f"{100 * (w1 - w0) / w0:5.1f} % wall {100 * (c1 - c0) / c0:5.1f} % CPU "
                      "(goal < 10 %)")
            print(f"N={count:>6}: extra_pages alone {alone:5.2f} s for {files} files")
            for root in roots:
                shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
