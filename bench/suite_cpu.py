"""The test suite's CPU per test: runs pytest with the given arguments and prints the tests it ran, the
CPU-seconds (user + system) of pytest's whole process tree and their quotient.

CPU, not wall time, because the figure must mean the same on a busy machine: with other work on the
cores a run's wall time grows, its CPU time barely moves. The tree's CPU is read from the kernel's
accounting of reaped children (``RUSAGE_CHILDREN``), so xdist's workers count as soon as their parent
has waited for them; a database server's CPU (PostgreSQL) is not in the tree and is not counted.

    .venv/bin/python bench/suite_cpu.py -- tests -m "not e2e" -n 2
    .venv/bin/python bench/suite_cpu.py --repeat 2 -- -p no:xdist tests/hardening

"tests" counts each test that ran or was skipped (passed, failed, error, skipped, xfailed, xpassed), as
pytest's last line reports them; skipped tests cost almost nothing, so the figure per test that ran is
printed as well. With ``--repeat`` the runs are printed one by one, then the lowest CPU.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTCOMES = ("passed", "failed", "errors", "error", "skipped", "xfailed", "xpassed")


def counts(summary: str) -> dict[str, int]:
    """Outcome → number from pytest's final summary line (``12 passed, 3 skipped in 4.5s``)."""
    found = {name: 0 for name in OUTCOMES}
    for number, name in re.findall(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)", summary):
        found[name] += int(number)
    found["error"] += found.pop("errors")
    return found


def run_once(pytest_args: list[str], output: Path | None) -> tuple[dict[str, int], float, float, int]:
    """One pytest run: (outcome counts, CPU-s of the tree, wall-s, exit code); pytest's output is
    written to ``output`` if given."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *pytest_args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ.copy(),
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if output:
        output.write_text(completed.stdout)
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    summary = next((line for line in reversed(lines) if re.search(r"\d+ (passed|failed|error)", line)), "")
    if completed.returncode not in (0, 1):
        print("\n".join(lines[-30:]), file=sys.stderr)
    return counts(summary), cpu, wall, completed.returncode


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs (the lowest CPU is the figure)")
    parser.add_argument("--output", type=Path, help="write pytest's output (of the last run) here")
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER, help="arguments for pytest, after --")
    args = parser.parse_args()
    pytest_args = args.pytest_args[1:] if args.pytest_args[:1] == ["--"] else args.pytest_args
    vendor = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    print(f"pytest {' '.join(pytest_args)}  ({vendor})")
    best = None
    for run in range(1, args.repeat + 1):
        found, cpu, wall, code = run_once(pytest_args, args.output)
        tests = sum(found.values())
        ran = tests - found["skipped"]
        outcome = ", ".join(f"{n} {name}" for name, n in found.items() if n)
        print(
            f"run {run}: {outcome or 'no summary line'}; exit {code}; wall {wall:.1f} s; CPU {cpu:.1f} s; "
            f"{cpu / max(tests, 1):.4f} CPU-s per test, {cpu / max(ran, 1):.4f} per test that ran"
        )
        if best is None or cpu < best[1]:
            best = (tests, cpu, ran)
    if best and args.repeat > 1:
        tests, cpu, ran = best
        print(f"lowest: {tests} tests, {cpu:.1f} CPU-s, {cpu / max(tests, 1):.4f} CPU-s per test")


if __name__ == "__main__":
    main()
