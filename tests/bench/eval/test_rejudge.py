"""Verdicts on whole conversations and model replies, and judging a results file again."""

import json
from pathlib import Path

from bench.eval.goals import Expect, Goal
from bench.eval.rejudge import rejudge
from bench.eval.verdict import judge_conversation, judge_reply

GOAL = Goal(
    "a01", "arithmetic", "A jacket costs $80 and is 25% off. What do I pay?", Expect("60", unit="$")
)


def test_a_failed_conversation_is_unanswered_whatever_it_wrote() -> None:
    verdict = judge_conversation(GOAL.goal, GOAL.expect, "failed", "Answer: $60", "no member")
    assert verdict.outcome == "unanswered" and verdict.why == "failed: no member"
    assert judge_conversation(GOAL.goal, GOAL.expect, "concluded", "Answer: $60", None).outcome == (
        "correct"
    )


def test_a_failed_model_call_is_unanswered() -> None:
    assert (
        judge_reply(GOAL.goal, GOAL.expect, None, "the model failed: 500").outcome == "unanswered"
    )
    assert judge_reply(GOAL.goal, GOAL.expect, "You pay $61.", None).outcome == "wrong"


def test_stored_answers_are_judged_again_and_the_totals_follow(tmp_path: Path) -> None:
    path = tmp_path / "eval.json"
    team = {"id": "a01", "family": "arithmetic", "verdict": "wrong", "seconds": 4.0}
    team |= {"state": "concluded", "conclusion": "You pay $60.", "terminal_with_reason": True}
    base = {"id": "a01", "family": "arithmetic", "verdict": "correct", "seconds": 1.0}
    base |= {"answer": "I cannot say.", "error": None}
    path.write_text(json.dumps({"team": {"goals": [team]}, "baseline": {"goals": [base]}}))

    results = rejudge(path, [GOAL])

    assert results["team"]["goals"][0]["verdict"] == "correct"
    assert results["baseline"]["goals"][0]["verdict"] == "unanswered"
    assert results["team"]["totals"]["correct"] == 1
    assert results["baseline"]["totals"]["unanswered"] == 1
    assert json.loads(path.read_text()) == results
