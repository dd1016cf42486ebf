"""Benchmarks, run with ``python -m workbench.bench [-k TEXT] [--repeat N] [--strict]`` (not timed tests).

Every module of this package that defines ``benchmarks() -> list[Benchmark]`` is found and run, so a new area
adds its own module (``workbench/bench/web.py``, say) and nothing else changes. Each benchmark builds its data
untimed, then its call is timed ``repeat`` times with time.perf_counter after one warm-up call; the median is
printed next to the target with OK or OVER, and as a multiple of the benchmark it is compared to, if any.
"""

from __future__ import annotations

import importlib
import pkgutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Benchmark:
    """``prepare`` builds the data (not timed) and returns the call to time. ``compare_to`` names a benchmark
    run before this one: the report then gives this median as a multiple of that one, measured in the same run
    (a ratio holds better than seconds on a busy machine); ``max_ratio`` is the target for that multiple."""

    name: str
    target_seconds: float
    prepare: Callable[[], Callable[[], object]]
    repeat: int = 50
    compare_to: str | None = None
    max_ratio: float | None = None


@dataclass(frozen=True, slots=True)
class Measurement:
    benchmark: Benchmark
    median_seconds: float
    runs: int
    #: The median of the compared benchmark, timed in turn with this one (same moments, same machine load).
    baseline_seconds: float | None = None

    @property
    def ok(self) -> bool:
        return self.median_seconds < self.benchmark.target_seconds

    @property
    def ratio(self) -> float | None:
        return None if not self.baseline_seconds else self.median_seconds / self.baseline_seconds

    @property
    def ratio_ok(self) -> bool:
        limit, ratio = self.benchmark.max_ratio, self.ratio
        return limit is None or ratio is None or ratio <= limit


def discover() -> list[Benchmark]:
    """The benchmarks of every module in this package that defines ``benchmarks()``, in module name order."""
    found: list[Benchmark] = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        if hasattr(module, "benchmarks"):
            found.extend(module.benchmarks())
    return found


def measure(
    benchmark: Benchmark, repeat: int | None = None, baseline: Callable[[], object] | None = None
) -> Measurement:
    """Time the benchmark's call; with ``baseline`` (the compared benchmark's call) the two are timed in turn,
    call after call, so that a busy machine slows both alike and their ratio holds."""
    call = benchmark.prepare()
    call()  # warm-up: imports, caches, first-call costs
    if baseline is not None:
        baseline()
    runs = repeat or benchmark.repeat
    times, baseline_times = [], []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
        if baseline is not None:
            start = time.perf_counter()
            baseline()
            baseline_times.append(time.perf_counter() - start)
    base = statistics.median(baseline_times) if baseline_times else None
    return Measurement(benchmark, statistics.median(times), runs, base)


def format_seconds(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"
