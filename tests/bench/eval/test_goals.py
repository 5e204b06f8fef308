"""The evaluation's goal file and how goals are chosen: ``bench.eval.goals``."""

import json
from collections import Counter
from pathlib import Path

import pytest

from bench.eval.goals import DOCS_FOLDER, FAMILIES, Goal, GoalsFileError, load, select
from bench.eval.totals import tally
from bench.eval.verdict import contains_any


def test_the_goal_file_has_about_twenty_goals_in_each_of_the_four_families() -> None:
    goals = load()
    assert len(goals) >= 80
    per_family = Counter(g.family for g in goals)
    assert set(per_family) == set(FAMILIES)
    assert all(18 <= n <= 25 for n in per_family.values()), per_family


def test_the_issues_own_examples_are_not_goals() -> None:
    text = " ".join(g.goal for g in load())
    assert "17.5% of 2,480 plus 36" not in text
    assert "average of five numbers" not in text


def test_every_document_answer_is_in_the_evaluations_documents() -> None:
    documents = " ".join(p.read_text() for p in DOCS_FOLDER.glob("*.md"))
    for goal in (g for g in load() if g.family == "documents"):
        assert contains_any(documents, goal.expect.any_of), goal


def test_multistep_goals_ask_for_a_figure_and_a_written_part() -> None:
    for goal in (g for g in load() if g.family == "multistep"):
        assert goal.expect.number is not None and goal.expect.written, goal


def test_a_limit_spreads_over_the_families_in_turn() -> None:
    chosen = select(load(), limit=8)
    assert Counter(g.family for g in chosen) == {f: 2 for f in FAMILIES}
    only = select(load(), ["documents"], limit=3)
    assert [g.family for g in only] == ["documents"] * 3


def test_a_bad_goal_file_names_the_goal_and_what_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "goals.json"
    path.write_text(json.dumps([{"id": "x1", "family": "arithmetic", "goal": "?", "expect": {}}]))
    with pytest.raises(GoalsFileError, match=r"x1.*exactly one of 'number' and 'any_of'"):
        load(path)
    path.write_text(
        json.dumps(
            [{"id": "x2", "family": "a", "goal": "?", "expect": {"number": "1", "unit": "parsec"}}]
        )
    )
    with pytest.raises(GoalsFileError, match=r"x2.*unknown unit 'parsec'"):
        load(path)


def test_totals_count_verdicts_and_take_the_median_seconds() -> None:
    rows = [
        {
            "family": "arithmetic",
            "verdict": "correct",
            "seconds": 10.0,
            "terminal_with_reason": True,
        },
        {"family": "arithmetic", "verdict": "wrong", "seconds": 30.0, "terminal_with_reason": True},
        {
            "family": "documents",
            "verdict": "unanswered",
            "seconds": 20.0,
            "terminal_with_reason": False,
        },
    ]
    totals = tally(rows, FAMILIES)
    assert (totals["correct"], totals["wrong"], totals["unanswered"]) == (1, 1, 1)
    assert totals["pct_correct"] == 33.3 and totals["median_seconds"] == 20.0
    assert totals["pct_terminal_with_reason"] == 66.7
    assert totals["by_family"]["arithmetic"]["pct_correct"] == 50.0
    assert "multistep" not in totals["by_family"]


def test_goal_is_a_plain_value() -> None:
    assert Goal("a", "arithmetic", "?").expect.number is None
