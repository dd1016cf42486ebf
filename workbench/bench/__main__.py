"""``python -m workbench.bench``: print the median time of every benchmark beside its target."""

from __future__ import annotations

import argparse
import sys

from . import discover, format_seconds, measure


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
    medians: dict[str, float] = {}
    for bench in benchmarks:
        result = measure(bench, args.repeat)
        medians[bench.name] = result.median_seconds
        over += not result.ok
        median = format_seconds(result.median_seconds)
        target = "< " + format_seconds(bench.target_seconds)
        baseline = medians.get(bench.compare_to or "")
        ratio = ""
        ratio_ok = True
        if baseline:
            multiple = result.median_seconds / baseline
            ratio = f"x{multiple:.1f} of {bench.compare_to}"
            if bench.max_ratio is not None:
                ratio_ok = multiple <= bench.max_ratio
                ratio += f" (target <= x{bench.max_ratio:g}: {'OK' if ratio_ok else 'OVER'})"
        over += not ratio_ok
        verdict = "OK" if result.ok and ratio_ok else "OVER"
        print(
            f"{bench.name:<{width}}  {median:>10}  {target:>10}  {verdict:<6}  {result.runs:>4}  {ratio}",
            flush=True,
        )
    return 1 if args.strict and over else 0


if __name__ == "__main__":
    sys.exit(main())
