"""``python -m workbench.bench``: print the median time of every benchmark beside its target."""

from __future__ import annotations

import argparse
import sys

from . import Benchmark, discover, format_seconds, measure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workbench.bench", description=__doc__)
    parser.add_argument("-k", dest="match", default="", help="run only benchmarks whose name contains TEXT")
    parser.add_argument(
        "--repeat", type=int, default=None, help="timed runs per benchmark (default: its own)"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 if any median is over target"
    )
    args = parser.parse_args(argv)

    benchmarks = [bench for bench in discover() if args.match.lower() in bench.name.lower()]
    width = max((len(bench.name) for bench in benchmarks), default=10)
    print(f"{'benchmark':<{width}}  {'median':>10}  {'target':>10}  result  runs  ratio")
    over = 0
    prepared: dict[str, Benchmark] = {}
    for bench in benchmarks:
        compared = prepared.get(bench.compare_to or "")
        result = measure(bench, args.repeat, compared.prepare() if compared else None)
        prepared[bench.name] = bench
        median = format_seconds(result.median_seconds)
        target = "< " + format_seconds(bench.target_seconds)
        ratio = ""
        if result.ratio is not None:
            base = format_seconds(result.baseline_seconds or 0)
            ratio = f"x{result.ratio:.1f} of {bench.compare_to} (timed in turn: {base})"
            if bench.max_ratio is not None:
                ratio += f", target <= x{bench.max_ratio:g}: {'OK' if result.ratio_ok else 'OVER'}"
        over += not (result.ok and result.ratio_ok)
        verdict = "OK" if result.ok and result.ratio_ok else "OVER"
        print(
            f"{bench.name:<{width}}  {median:>10}  {target:>10}  {verdict:<6}  {result.runs:>4}  {ratio}",
            flush=True,
        )
    return 1 if args.strict and over else 0


if __name__ == "__main__":
    sys.exit(main())
