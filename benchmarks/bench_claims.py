"""Wall time of every registered claim's experiment, fast setting (tests) and full setting (book).

Targets: each fast setting a few seconds (tests run them all), each full setting under 2 minutes
on a laptop CPU (the paper reproductions). Prints one row per claim and the verdicts, which must
agree between the two settings. Experiments shared by several claims are re-run for each (the
cache is cleared), so every time is what one book page pays for its claim.

    python benchmarks/bench_claims.py            # both settings
    python benchmarks/bench_claims.py --fast     # fast setting only
"""

from __future__ import annotations

import argparse

from lrlearn import claims
from lrlearn.claims import _shared


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="time only the fast setting")
    parser.add_argument("keys", nargs="*", help="claim keys (default: all)")
    args = parser.parse_args()
    keys = args.keys or [c.key for c in claims.claims()]
    print(f"{'claim':28s} {'fast s':>8s} {'full s':>8s}  verdict (fast / full)")
    total_fast = total_full = 0.0
    for key in keys:
        _shared.clear()
        fast = claims.check(key, fast=True)
        total_fast += fast.seconds
        if args.fast:
            print(f"{key:28s} {fast.seconds:8.2f} {'-':>8s}  {fast.verdict.value}")
            continue
        _shared.clear()
        full = claims.check(key, fast=False)
        total_full += full.seconds
        same = "" if fast.verdict is full.verdict else "   <-- verdicts differ"
        print(f"{key:28s} {fast.seconds:8.2f} {full.seconds:8.2f}  {fast.verdict.value} / "
              f"{full.verdict.value}{same}")
    print(f"{'total':28s} {total_fast:8.2f} {total_full if not args.fast else 0:8.2f}")


if __name__ == "__main__":
    main()
