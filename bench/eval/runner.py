"""One evaluation: a fresh ``ioa up``, every chosen goal through its gateway (the team)
and straight to its model (the baseline), each judged, printed as it goes and written
to ``bench/results/eval.json`` after every goal (``"complete": false`` until the end)."""

import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import report
from bench.eval import baseline, team, totals
from bench.eval.goals import DOCS_FOLDER, FAMILIES, GOALS_FILE, Goal
from bench.eval.stack import embedded_run
from bench.eval.verdict import Verdict, judge_conversation, judge_reply
from protocol.llm import Llm

CLIP = 110


@dataclass(slots=True)
class Options:
    goals_file: Path = GOALS_FILE
    docs: Path = DOCS_FOLDER
    timeout: float = 330.0
    """Seconds to wait for a conversation: a little over the default budget (300 s)."""
    data_dir: Path | None = None
    with_baseline: bool = True
    families: list[str] = field(default_factory=list)


def source_state() -> dict[str, Any]:
    """Which code answered: the commit and the files changed beside it (other work in
    the tree counts in the figures too)."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout

    changed = [line[3:] for line in git("status", "--porcelain").splitlines() if line]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "uncommitted": changed}


def clip(text: str | None, width: int = CLIP) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def line(who: str, state: str, members: str, seconds: float, verdict: Verdict, text: str) -> str:
    return (
        f"  {who:<9} {state:<10} {clip(members, 30):<30} {seconds:>6.1f}s  "
        f"{verdict.outcome:<10} {clip(text)!r}"
    )


def judged(goal: Goal, verdict: Verdict) -> dict[str, Any]:
    """What a row says of any answer: the goal and the verdict on it."""
    return {
        "id": goal.id,
        "family": goal.family,
        "verdict": verdict.outcome,
        "why": verdict.why,
        "candidates": verdict.candidates,
    }


def team_row(goal: Goal, answer: team.TeamAnswer) -> dict[str, Any]:
    verdict = judge_conversation(
        goal.goal, goal.expect, answer.state, answer.conclusion, answer.reason
    )
    print(line("team", answer.state, ",".join(answer.members) or "-", answer.seconds, verdict,
               answer.conclusion or answer.reason or ""))  # fmt: skip
    return {
        **judged(goal, verdict),
        "state": answer.state,
        "members": answer.members,
        "seconds": round(answer.seconds, 2),
        "terminal_with_reason": answer.terminal_with_reason,
        "conclusion": answer.conclusion,
        "reason": answer.reason,
        "conversation": answer.conversation,
        "tokens": answer.tokens,
    }


def baseline_row(goal: Goal, answer: baseline.ModelAnswer) -> dict[str, Any]:
    verdict = judge_reply(goal.goal, goal.expect, answer.text, answer.error)
    print(line("baseline", "error" if answer.error else "answered", "-", answer.seconds, verdict,
               answer.text or answer.error or ""))  # fmt: skip
    return {
        **judged(goal, verdict),
        "seconds": round(answer.seconds, 2),
        "answer": answer.text,
        "error": answer.error,
        "tokens": answer.tokens,
    }


def summary_table(results: dict[str, Any]) -> str:
    passes = [("team", results["team"]["totals"])]
    if results.get("baseline"):
        passes.append(("baseline (no team)", results["baseline"]["totals"]))
    rows: list[list[Any]] = [
        [label, *(t.get(key) if t.get(key) is not None else "-" for _, t in passes)]
        for label, key in [
            ("correct", "correct"),
            ("wrong", "wrong"),
            ("unanswered", "unanswered"),
            ("% correct", "pct_correct"),
            ("median seconds", "median_seconds"),
            ("% terminal with a reason", "pct_terminal_with_reason"),
        ]
    ]
    for family in FAMILIES:
        cells = [t.get("by_family", {}).get(family, {}).get("pct_correct") for _, t in passes]
        if any(c is not None for c in cells):
            rows.append([f"% correct: {family}", *(c if c is not None else "-" for c in cells)])
    return report.table(["", *(name for name, _ in passes)], rows)


async def run(goals: list[Goal], options: Options) -> dict[str, Any]:
    """Evaluate ``goals``; the results (also written to ``bench/results/eval.json``)."""
    began = time.monotonic()
    results: dict[str, Any] = {
        "complete": False,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "goals_file": str(options.goals_file),
        "families": options.families or list(FAMILIES),
        "judging": "bench/eval/verdict.py (rules in its docstring and bench/README.md)",
        "source": source_state(),
    }
    team_rows: list[dict[str, Any]] = []
    base_rows: list[dict[str, Any]] = []
    with embedded_run(options.docs, options.data_dir) as info:
        settings = baseline.model_settings(info)
        results["model"] = {
            "name": baseline.model_name(settings),
            "base_url": settings.openai_base_url,
        }
        results["gateway"] = info.gateway_url
        print(
            f"\nEvaluating {len(goals)} goals on {results['model']['name']} (team through "
            f"{info.gateway_url}; baseline straight to {settings.openai_base_url})\n"
        )
        llm = Llm(settings)
        headers = {"Authorization": f"Bearer {info.api_key}"}
        async with httpx.AsyncClient(
            base_url=info.gateway_url, headers=headers, timeout=30
        ) as client:
            try:
                for i, goal in enumerate(goals, 1):
                    print(f"[{i}/{len(goals)}] {goal.id} ({goal.family}) {clip(goal.goal, 100)}")
                    team_rows.append(
                        team_row(goal, await team.ask_team(client, goal.goal, options.timeout))
                    )
                    if options.with_baseline:
                        base_rows.append(
                            baseline_row(goal, await baseline.ask_model(llm, goal.goal))
                        )
                    _write(results, team_rows, base_rows, began)
            finally:
                await llm.close()
    results["complete"] = True
    path = _write(results, team_rows, base_rows, began)
    print("\n" + summary_table(results))
    print(f"\n{len(goals)} goals in {results['seconds']:.0f} s; results in {path}")
    return results


def add_totals(results: dict[str, Any]) -> None:
    """(Re)compute both passes' totals from their per-goal rows."""
    for name in ("team", "baseline"):
        if results.get(name):
            results[name]["totals"] = totals.tally(results[name]["goals"], FAMILIES)


def _write(
    results: dict[str, Any],
    team_rows: list[dict[str, Any]],
    base_rows: list[dict[str, Any]],
    began: float,
) -> Path:
    results["seconds"] = round(time.monotonic() - began, 1)
    results["team"] = {"goals": team_rows}
    results["baseline"] = {"goals": base_rows} if base_rows else None
    add_totals(results)
    return report.write_results("eval", results)
