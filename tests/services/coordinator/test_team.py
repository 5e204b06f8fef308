"""Team formation without the network: goal parts and the deterministic fallback."""

from protocol.kinds import AgentCard
from services.coordinator.team import Candidate, Candidates, fallback_team, goal_parts, next_best

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
