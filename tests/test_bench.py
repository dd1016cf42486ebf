"""The benchmark command keeps working: every benchmark prepares, runs and is reported (not timed here)."""

from __future__ import annotations

import re

import pytest

from workbench.bench import discover
from workbench.bench.__main__ import main


def test_every_benchmark_compares_to_one_that_runs_before_it() -> None:
    seen: set[str] = set()
    for bench in discover():
        assert bench.compare_to is None or bench.compare_to in seen, bench.name
        seen.add(bench.name)


def test_the_web_benchmarks_run_and_report_their_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-k", "web:", "--repeat", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [bench.name for bench in discover() if bench.name.startswith("web:")]
    assert len(lines) == 1 + len(names)
    for name, line in zip(names, lines[1:], strict=True):
        assert line.startswith(name)
        assert " ms " in line or " µs " in line or re.search(r" \d+\.\d\d s ", line)
    recompute = [line for line in lines if "recompute" in line]
    assert recompute
    assert all(" of web: trivial endpoint" in line for line in recompute)


def test_the_mentor_home_benchmark_reports_its_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-k", "web:", "--repeat", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    [home] = [line for line in lines if "mentor's home" in line]
    assert home.startswith("web: mentor's home, 30 mentees (GET /mentees)")
    assert " of web: trivial endpoint" in home
    assert "target <= x10" in home


def test_the_officer_queue_benchmark_reports_its_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-k", "web:", "--repeat", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    [queue] = [line for line in lines if "officer queue" in line]
    assert queue.startswith("web: officer queue, 2,000 applications (GET /queue)")
    assert " of web: trivial endpoint" in queue
