"""The totals of a pass (the team's or the baseline's) over the goals."""

import statistics
from collections.abc import Sequence
from typing import Any

OUTCOMES = ("correct", "wrong", "unanswered")


def tally(rows: Sequence[dict[str, Any]], families: Sequence[str] = ()) -> dict[str, Any]:
    """Counts, % correct and median seconds of ``rows`` (each with ``family``,
    ``verdict``, ``seconds`` and, for the team, ``terminal_with_reason``), overall and by
    family."""
    n = len(rows)
    counts = {o: sum(r["verdict"] == o for r in rows) for o in OUTCOMES}
    out: dict[str, Any] = {
        "goals": n,
        **counts,
        "pct_correct": round(100 * counts["correct"] / n, 1) if n else None,
        "median_seconds": round(statistics.median(r["seconds"] for r in rows), 1) if n else None,
    }
    if rows and "terminal_with_reason" in rows[0]:
        ended = sum(bool(r["terminal_with_reason"]) for r in rows)
        out["pct_terminal_with_reason"] = round(100 * ended / n, 1)
    if families:
        out["by_family"] = {
            f: tally([r for r in rows if r["family"] == f])
            for f in families
            if any(r["family"] == f for r in rows)
        }
    return out
