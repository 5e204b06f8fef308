"""Team formation without the network: goal parts and the deterministic fallback."""

from protocol.kinds import AgentCard
from services.coordinator.team import (
    Candidate,
    Candidates,
    Pick,
    fallback_team,
    goal_parts,
    in_goal_order,
    next_best,
    part_task,
    task_for,
)

GOAL = (
    "What is 17.5% of 2,480 plus 36? Work it out, then write a short friendly note to a "
    "customer explaining the result."
)


def candidate(agent: str, score: float, query: str) -> Candidate:
    return Candidate(AgentCard(id=agent, name=agent), score, query)


def test_a_goal_is_cut_into_its_steps_in_order() -> None:
    assert goal_parts(GOAL) == [
        "What is 17.5% of 2,480 plus 36?",
        "Work it out",
        "write a short friendly note to a customer explaining the result",
    ]


def test_a_goal_without_steps_is_one_part() -> None:
    assert goal_parts("translate hello") == ["translate hello"]


def test_a_sentence_of_facts_opens_the_request_after_it() -> None:
    """Each step stands alone: the question keeps the figures it asks about."""
    assert goal_parts("A car travels 315 km in 3.5 hours. What is its average speed?") == [
        "A car travels 315 km in 3.5 hours. What is its average speed?"
    ]
    assert goal_parts(DINNER) == [
        "A dinner costs $126.40 with a 15% tip. Work out what they pay",
        "Then write a note",
    ]
    assert goal_parts("Write a note. It should be friendly.") == [
        "Write a note. It should be friendly."
    ]
    assert goal_parts("What is 1 + 2 + ... + 100? Then write a note.") == [
        "What is 1 + 2 + ... + 100?",
        "Then write a note",
    ]
    assert goal_parts("The sky is blue. Grass is green.") == ["The sky is blue. Grass is green"]


def test_and_write_and_first_open_steps_of_their_own() -> None:
    """A written part joined by 'and' goes to a writer, not with the figures to the
    calculator; 'First compute …' is a request, not a fact."""
    assert goal_parts("Find the average of 14, 18 and 22 and write a short note with it.") == [
        "Find the average of 14, 18 and 22",
        "write a short note with it",
    ]
    assert goal_parts("Compute the cost and draft an email to the buyer.") == [
        "Compute the cost",
        "draft an email to the buyer",
    ]
    assert goal_parts("First compute 4.5 hours in minutes. Then write one sentence.") == [
        "First compute 4.5 hours in minutes",
        "Then write one sentence",
    ]
    assert goal_parts("A loan of $800 for 2 years: compute the interest and write a note.") == [
        "A loan of $800 for 2 years. compute the interest",
        "write a note",
    ]
    assert goal_parts("How many apples and pears are there?") == [
        "How many apples and pears are there?"
    ]


def test_the_fallback_takes_the_best_agent_for_each_step_in_order() -> None:
    parts = goal_parts(GOAL)
    found = Candidates(
        {
            parts[0]: [
                candidate("calculator", 3.0, parts[0]),
                candidate("assistant", 1.0, parts[0]),
            ],
            parts[1]: [],
            parts[2]: [candidate("writer", 4.0, parts[2]), candidate("calculator", 0.5, parts[2])],
        }
    )
    team = fallback_team(GOAL, found, min_team=1, max_team=3)
    assert [p.agent for p in team] == ["calculator", "writer"]
    assert team[0].task == parts[0]
    assert team[0].reason == f"best match for {parts[0]!r}"
    assert team[0].score == 3.0


def test_a_steps_runner_up_as_good_as_its_best_is_brought_in_too() -> None:
    part = "How quickly does customer support reply to an email?"
    found = Candidates({part: [candidate("writer", 3.21, part), candidate("docs", 3.16, part)]})
    team = fallback_team(part, found, min_team=1, max_team=3)
    assert [(p.agent, p.task) for p in team] == [("writer", part), ("docs", part)]
    assert team[1].reason == f"as good a match for {part!r}"
    found.by_query[part][1] = candidate("docs", 2.5, part)  # clearly behind: left out
    assert [p.agent for p in fallback_team(part, found, min_team=1, max_team=3)] == ["writer"]


def test_a_step_with_only_a_weak_match_gets_no_agent_of_its_own() -> None:
    found = Candidates(
        {
            "add 2 and 2": [candidate("calculator", 4.0, "add 2 and 2")],
            "work it out": [candidate("assistant", 0.5, "work it out")],
        }
    )
    team = fallback_team("add 2 and 2. work it out", found, min_team=1, max_team=3)
    assert [p.agent for p in team] == ["calculator"]


def test_the_fallback_fills_the_team_up_to_its_minimum_and_stops_at_its_maximum() -> None:
    found = Candidates(
        {"q": [candidate("a", 3.0, "q"), candidate("b", 2.0, "q"), candidate("c", 1.0, "q")]}
    )
    assert [p.agent for p in fallback_team("q", found, min_team=2, max_team=4)] == ["a", "b"]
    assert [p.agent for p in fallback_team("q", found, min_team=3, max_team=2)] == ["a", "b"]


def test_the_next_best_candidate_skips_those_already_invited() -> None:
    found = Candidates({"q": [candidate("a", 3.0, "q"), candidate("b", 2.0, "q")]})
    spare = next_best(found, {"a"})
    assert spare is not None and spare.card.id == "b"
    assert next_best(found, {"a", "b"}) is None


DINNER = "A dinner costs $126.40 with a 15% tip. Work out what they pay. Then write a note."


def test_a_part_without_figures_gets_the_goal_around_it() -> None:
    assert part_task(DINNER, "Work out what they pay") == (
        f"{DINNER}\n\nYour part: Work out what they pay"
    )
    assert part_task("What is 2+3? Then write a note.", "What is 2+3?") == "What is 2+3?"
    assert part_task("Write a haiku. Then a limerick.", "Write a haiku") == "Write a haiku"


def test_the_llm_team_works_in_the_order_of_the_goal_parts() -> None:
    picks = [Pick("writer", "", "", 1.0), Pick("calculator", "", "", 1.0), Pick("x", "", "", 1.0)]
    pay, note = goal_parts(DINNER)
    parts = {"calculator": pay, "writer": note}
    ordered = [p.agent for p in in_goal_order(picks, DINNER, parts)]
    assert ordered == ["calculator", "writer", "x"]
    assert in_goal_order(picks, "One thing only", parts) == picks


def test_an_llm_task_that_changes_a_figure_gives_way_to_the_goal() -> None:
    goal = "What is 17.5% of 2,480 plus 36?"
    assert task_for("calculator", "Compute 17.5% of 2480 + 63", goal, {}) == goal
    assert task_for("calculator", "Compute 17.5% of 2480 + 36", goal, {}) == (
        "Compute 17.5% of 2480 + 36"
    )
    code = "Run this:\n```python\nprint(sum(range(1, 101)))\n```"
    assert task_for("python", code, "Add the numbers 1 to 100 in Python", {}) == code
