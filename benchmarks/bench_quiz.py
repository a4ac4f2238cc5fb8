"""Quiz timings: loading the bank, saving one answer as the progress file grows, the mock
interview's response (key-point matching), parsing hostile numeric input, rendering.

    python benchmarks/bench_quiz.py

Prints one line per measurement (median of repeats, wall-clock). Saving an answer rewrites the
whole file under a lock with fsync, so its cost grows with the number of answers stored; the
question is whether it stays well below what a person notices (~100 ms) for years of use.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path


def _median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def main() -> None:
    t0 = time.perf_counter()
    from lrlearn.quiz import ProgressStore, Session, export_anki, load_bank, to_markdown
    from lrlearn.quiz.bank import BANK_DIR, _load_dir

    print(f"import lrlearn.quiz: {1e3 * (time.perf_counter() - t0):.0f} ms")

    def cold_load():
        _load_dir.cache_clear()
        return load_bank()

    bank = cold_load()
    print(
        f"load and validate the bank ({len(bank)} questions, "
        f"{len(list(BANK_DIR.glob('*.json')))} files): {_median_ms(cold_load, 5):.1f} ms"
    )

    with tempfile.TemporaryDirectory() as tmp:
        for n in (0, 1_000, 10_000, 50_000):
            store = ProgressStore(Path(tmp) / f"p{n}.json")
            store.merge(
                [
                    {
                        "id": f"e{i}",
                        "question": bank[i % len(bank)].id,
                        "time": float(i),
                        "correct": bool(i % 3),
                        "rating": 3 if i % 3 else 1,
                        "response": "b",
                        "order": [2, 0, 3, 1],
                    }
                    for i in range(n)
                ]
            )
            ms = _median_ms(lambda s=store: s.record("basics-update-rule", True), 9)
            size = store.path.stat().st_size / 1e6
            print(f"save one answer with {n:6d} answers stored ({size:5.2f} MB file): {ms:6.1f} ms")
        path = Path(tmp) / "p10000.json"
        ms = _median_ms(lambda: Session(bank, count=20, store=ProgressStore(path)), 5)
        print(
            f"start a 20-question session with 10000 answers stored, new process state "
            f"(read, check, FSRS replay): {ms:.1f} ms"
        )
        store = ProgressStore(path)
        ms = _median_ms(lambda: Session(bank, count=20, store=store), 5)
        print(f"start another session with the same store (file unchanged): {ms:.1f} ms")

    from lrlearn.quiz import match_key_points
    from lrlearn.quiz.grading import InvalidAnswer, parse_number

    with_points = [q for q in bank if q.key_points] or [None]
    points = (
        with_points[0].key_points
        if with_points[0] is not None
        else [
            "the step size of each update",
            "too high diverges or oscillates",
            "too low is slow",
            "pick it with a range test",
        ]
    )
    answer = (
        "The learning rate scales each update: w minus lr times the gradient. Too high and "
        "the loss oscillates or diverges, too low and training is slow; I would run a range "
        "test and then tune on a log grid, and with a bigger batch scale it up. "
    ) * 4
    ms = _median_ms(lambda: match_key_points(answer, points), 50)
    print(
        f"interview response: match a {len(answer)}-character answer against "
        f"{len(points)} key points: {ms:.2f} ms"
    )

    def hostile():
        for text in ("1e99999999/1", "1/1e-400", "9" * 64, "1e400/1e-400", "x" * 10_000):
            try:
                parse_number(text)
            except InvalidAnswer:
                pass

    ms = _median_ms(hostile, 20) / 5
    print(f"parse one hostile numeric answer (1e99999999/1, 1/1e-400, ...): {ms:.3f} ms")

    from lrlearn.quiz.real_curves import BANK_RUNS, train_run

    ms = _median_ms(lambda: [train_run.__wrapped__(*r) for r in BANK_RUNS], 1) / len(BANK_RUNS)
    print(f"train one real-curve run on the digits (uncached): {ms:.0f} ms")
    ms = _median_ms(to_markdown, 1)
    n_fig = len([q for q in bank if q.kind in ("curve", "training")])
    print(f"to_markdown, whole bank with {n_fig} curve figures: {ms:.0f} ms")
    ms = _median_ms(to_markdown, 3)
    print(f"to_markdown again (figures cached): {ms:.0f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        ms = _median_ms(lambda: export_anki(Path(tmp) / "deck.txt"), 3)
        print(f"export_anki, whole bank: {ms:.0f} ms")


if __name__ == "__main__":
    main()
