"""Judge a results file's stored answers again (``--rejudge FILE``): after the rules in
``verdict.py`` or the goals' expectations change, without asking the network or the
model anew. The answers, states and seconds stay those of the run."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.eval.goals import Goal
from bench.eval.runner import add_totals
from bench.eval.verdict import Verdict, judge_conversation, judge_reply


class RejudgeError(ValueError):
    """The results file cannot be judged again; the message says why."""


def _store(row: dict[str, Any], verdict: Verdict) -> None:
    row.update(verdict=verdict.outcome, why=verdict.why, candidates=verdict.candidates)


def rejudge(path: Path, goals: list[Goal]) -> dict[str, Any]:
    """The results of ``path`` with every verdict and total judged again (and written back)."""
    try:
        results: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise RejudgeError(f"cannot read the results file {path}: {exc}") from None
    by_id = {g.id: g for g in goals}
    rows = [r for name in ("team", "baseline") for r in (results.get(name) or {}).get("goals", [])]
    if missing := sorted({r["id"] for r in rows} - set(by_id)):
        raise RejudgeError(f"{path} has answers to goals the goals file lacks: {missing}")
    for row in (results.get("team") or {}).get("goals", []):
        goal = by_id[row["id"]]
        args = (row["state"], row.get("conclusion"), row.get("reason"))
        _store(row, judge_conversation(goal.goal, goal.expect, *args))
    for row in (results.get("baseline") or {}).get("goals", []):
        goal = by_id[row["id"]]
        _store(row, judge_reply(goal.goal, goal.expect, row.get("answer"), row.get("error")))
    add_totals(results)
    results["rejudged_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    path.write_text(json.dumps(results, indent=2) + "\n")
    return results
