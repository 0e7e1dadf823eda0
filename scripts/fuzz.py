"""A long fuzz run: `make fuzz N=20000` (or `.venv/bin/python scripts/fuzz.py --n 20000`).

Runs the cases of tests/fuzzing.py in worker processes, each case under a time limit (a hang)
and the workers under a memory limit; a worker that dies (a crash) is replaced and its case
recorded. Writes a JSON summary (counts per format, mutation and outcome, every violation with
its (seed, index) to reproduce it) and prints the headline.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def _init(memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import warnings

    warnings.simplefilter("ignore")


def run_block(seed: int, start: int, stop: int, timeout: int) -> list[tuple]:
    from fuzzing import check_within, make_case

    out = []
    for index in range(start, stop):
        case = make_case(seed, index)
        began = time.perf_counter()
        try:
            outcome = check_within(case, timeout)
            status, detail = outcome.status, outcome.detail
        except MemoryError:
            status, detail = "violation", "MemoryError escaped"
        out.append((index, case.base, case.mutation, status, detail, time.perf_counter() - began))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000, help="cases to run (default 20000)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the run (default 1; the test subset uses 20261201)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes")
    ap.add_argument("--timeout", type=int, default=120,
                    help="seconds a case may take before it counts as a hang (default 120: a 64 MP "
                    "image through every method takes up to ~30 s on 2 cores)")
    ap.add_argument("--memory-gb", type=float, default=4.0, help="address-space limit per worker")
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "artifacts" / "fuzz-summary.json")
    args = ap.parse_args()

    block = 100
    blocks = [(s, min(s + block, args.n)) for s in range(0, args.n, block)]
    results: list[tuple] = []
    crashes: list[dict] = []
    began = time.perf_counter()
    pending = list(blocks)
    while pending:
        with ProcessPoolExecutor(args.workers, initializer=_init,
                                 initargs=(int(args.memory_gb * 2**30),)) as pool:
            futures = {pool.submit(run_block, args.seed, a, b, args.timeout): (a, b) for a, b in pending}
            pending = []
            try:
                for future in as_completed(futures):
                    results += future.result()
                    done = len(results)
                    if done % 2000 < block:
                        print(f"  {done}/{args.n} cases, {time.perf_counter() - began:.0f} s", flush=True)
            except BrokenProcessPool:
                finished = {r[0] for r in results}
                for a, b in futures.values():
                    if not all(i in finished for i in range(a, b)):
                        if b - a == 1:
                            crashes.append({"index": a, "detail": "the worker process died"})
                        else:  # split the block to find the case that kills its worker
                            pending += [(i, i + 1) for i in range(a, b) if i not in finished]
    statuses = Counter(r[3] for r in results)
    statuses["crash"] = len(crashes)
    violations = [{"index": r[0], "base": r[1], "mutation": r[2], "status": r[3], "detail": r[4]}
                  for r in results if r[3] in ("violation", "hang")] + crashes
    summary = {
        "seed": args.seed, "cases": args.n, "seconds": round(time.perf_counter() - began, 1),
        "workers": args.workers, "timeout_s": args.timeout, "memory_gb": args.memory_gb,
        "outcomes": dict(statuses),
        "by_format": {f"{b}: {s}": n for (b, s), n in sorted(Counter((r[1], r[3]) for r in results).items())},
        "by_mutation": dict(Counter(m for r in results for m in r[2].split(" + ")).most_common()),
        "slowest_s": round(max((r[5] for r in results), default=0.0), 2),
        "slowest": [{"index": r[0], "base": r[1], "mutation": r[2], "status": r[3], "seconds": round(r[5], 2)}
                    for r in sorted(results, key=lambda r: -r[5])[:5]],
        "violations": violations,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=1))
    print(f"{args.n} cases (seed {args.seed}) in {summary['seconds']} s: "
          f"{statuses['analysed']} analysed, {statuses['refused']} refused with a clear error, "
          f"{statuses['violation']} unexpected exceptions, {statuses['hang']} hangs, {len(crashes)} crashes; "
          f"slowest case {summary['slowest_s']} s. Summary: {args.out}")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
