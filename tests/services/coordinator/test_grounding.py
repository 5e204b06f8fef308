"""The grounding check: a draft states only the facts, keeps the answers, carries no markup."""

from datetime import timedelta
from decimal import Decimal

import pytest

from protocol.drafts import problems
from protocol.figures import figures, holds, unfounded
from protocol.llm import Usage
from services.coordinator import conclusion
from services.coordinator.grounding import Finding, answer_of, compose
from services.coordinator.state import Invite, Line, Member, Record, Task, now

GOAL = "What is 17.5% of 2,480 plus 36? Then write a short friendly note to the customer."
CALCULATED = "17.5% of 2480 = 434; 434 + 36 = 470. Answer: 470"
FACTS = [GOAL, CALCULATED, "470"]


def test_figures_are_compared_as_numbers_whatever_their_writing() -> None:
    assert figures("1,234.50 and 1234.5 and $2,480 and 36.") == [
        Decimal("1234.5"),
        Decimal("1234.5"),
        Decimal("2480"),
        Decimal("36"),
    ]
    assert figures("12 km, -3 degrees, .5 l") == [Decimal(12), Decimal(-3), Decimal("0.5")]
    assert figures("12km on the 5th") == [Decimal(12), Decimal(5)]
    assert figures("conversation 01M980YYD, task t2, model SmolLM2") == []


def test_a_citation_marker_is_no_figure() -> None:
    """Seen in the evaluation: a docs result citing "[1]" let the summary "The answer is:
    1 (not in the document)" pass as grounded."""
    assert figures("extension 4417 [1], see [2] and [1, 2]") == [Decimal(4417), 1, 2]
    assert unfounded("The answer is: 1", ["The answer is: [1] (not in the document)"]) == [1]


def test_the_figures_no_fact_holds_are_listed_for_the_log() -> None:
    assert unfounded("The total is 470, which is 20 more than 450.", FACTS) == [
        Decimal(20),
        Decimal(450),
    ]


def test_a_rounded_figure_is_held_but_a_different_one_is_not() -> None:
    facts = figures("57.142857 and 470")
    assert holds(facts, Decimal("57.14")) and holds(facts, Decimal("57.1"))
    assert not holds(facts, Decimal("57.15")) and not holds(facts, Decimal("500"))


def test_a_draft_that_states_the_facts_and_the_answer_passes() -> None:
    draft = "Dear customer, 17.5% of 2,480 plus 36 comes to 470.00 in total."
    assert problems(draft, FACTS, ["470"]) == []


@pytest.mark.parametrize(
    ("draft", "wrong"),
    [
        ("17.5% of 2480 = 434 + 36 = 490. The result is a total of 490.", "states figures"),
        ("The total is 470, which is 20 more than 450.", "states figures"),
        ("The calculator worked out the sum for the customer.", "leaves out the answer 470"),
        ('<data from="calculator">17.5% of 2480 = 434</data> The total is 470.', "markup"),
        ("Your task:\nThe total is 470.", "markup"),
        ("Team (sequential): Best match for 'Work out' - writer: 470", "markup"),
        ("<text here>470</text><remarks there>The total is 470.</remarks>", "markup"),
        ("Great work: use these results exactly as written: 470.", "markup"),
        ("The total is 470, which matches the given answer.", "tells the reader nothing"),
        ("The total is 490.", "leaves out the answer 470"),
        ("", "empty"),
    ],
)
def test_a_draft_that_changes_adds_or_drops_a_figure_or_carries_markup_fails(
    draft: str, wrong: str
) -> None:
    found = problems(draft, FACTS, ["470"])
    assert any(wrong in problem for problem in found), found


def test_an_answer_in_words_must_be_stated_in_words() -> None:
    assert problems("It falls on a Friday.", ["2025-07-04"], ["Friday"]) == []
    assert problems("It falls on a Monday.", ["2025-07-04"], ["Friday"]) == [
        "it leaves out the answer Friday"
    ]


def test_a_tools_answer_is_its_data_answer_else_its_value_with_the_unit() -> None:
    assert answer_of({"answer": "57.6 km/h", "value": "57.6"}) == "57.6 km/h"
    assert answer_of({"value": "1.864", "unit": "mi"}) == "1.864 mi"
    assert answer_of(None) is None
    assert answer_of({"sub_team": "x"}) is None


def test_the_composed_conclusion_gives_the_answer_first_then_who_found_it() -> None:
    text = compose(
        [Finding("calculator", "", CALCULATED, "470"), Finding("writer", "", "Dear customer.")],
        [(Finding("poet", "", "490"), "it states figures that no checked result holds")],
        ["List the primes (python: no Python code found)"],
    )
    assert text.splitlines()[0] == "Answer: 470"
    assert f"Found by calculator: {CALCULATED}" in text
    assert "From writer:\nDear customer." in text
    assert "Left out: what poet wrote, because it states figures" in text
    assert "490" not in text
    assert text.endswith("Not answered: List the primes (python: no Python code found)")


def record(*tasks: Task, transcript: list[Line] | None = None) -> Record:
    return Record(
        id="c1",
        requester="alice",
        goal=GOAL,
        deadline=now() + timedelta(minutes=1),
        members=[Member(agent=t.assignee, reason="") for t in tasks],
        tasks=list(tasks),
        transcript=transcript or [],
    )


def task(tid: str, who: str, result: str, data: dict | None = None, **kw: object) -> Task:
    return Task(
        task_id=tid,
        assignee=who,
        description=kw.pop("description", f"part of {who}"),  # type: ignore[arg-type]
        outcome=kw.pop("outcome", "done"),  # type: ignore[arg-type]
        result=result,
        data=data,
        deadline=now(),
    )


def test_a_writers_note_that_changes_the_figure_it_was_given_is_left_out() -> None:
    rec = record(
        task("t1", "calculator", CALCULATED, {"value": "470"}),
        task("t2", "writer", "Dear customer, your total is 490."),
    )
    checked = conclusion.check(rec)
    assert [f.agent for f in checked.kept] == ["calculator"]
    assert checked.left_out[0][0].agent == "writer"
    assert checked.left_out[0][1] == (
        "it states figures that neither the goal nor a checked result holds; "
        "it leaves out the answer 470"
    )


def test_a_writers_note_that_keeps_the_figure_is_kept() -> None:
    rec = record(
        task("t1", "calculator", CALCULATED, {"value": "470"}),
        task("t2", "writer", "Dear customer, your total is 470. Thank you!"),
    )
    assert [f.agent for f in conclusion.check(rec).kept] == ["calculator", "writer"]


def test_a_failed_part_is_named_unanswered_unless_a_reassignment_did_it() -> None:
    failed = task("t1", "python", "python: no code", outcome="failed", description="primes")
    again = task("t2", "calc", "17", {"value": "17"}, description="primes")
    assert conclusion.check(record(failed)).unanswered == ["primes (python: no code)"]
    assert conclusion.check(record(failed, again)).unanswered == []
    assert conclusion.check(record(again, failed)).unanswered == []  # done first, by another


def test_an_unanswered_part_gives_the_first_line_of_why_never_a_drafts_figures() -> None:
    traceback = "python: the model's programs failed; last:\n  The answer is 1.\nSyntaxError"
    failed = task("t1", "python", traceback, outcome="failed", description="seconds in a week")
    assert conclusion.check(record(failed)).unanswered == [
        "seconds in a week (python: the model's programs failed; last:)"
    ]


def test_a_result_its_tool_marks_grounded_is_a_fact() -> None:
    quoted = task("t1", "docs", "The warranty lasts 24 months [1].", {"grounded": True})
    note = task("t2", "writer", "Good news: your warranty runs for 24 months.")
    assert [f.agent for f in conclusion.check(record(quoted, note)).kept] == ["docs", "writer"]
    unmarked = task("t1", "docs", "The warranty lasts 24 months [1].", {"citations": []})
    assert conclusion.check(record(unmarked)).kept == []


def test_a_persons_answer_is_theirs_to_give() -> None:
    rec = record(task("t1", "user:ada", "It is ready at a gravity of 1.012."))
    rec.invites = [Invite(agent="user:ada", reason="", task="", score=0, human=True)]
    assert [f.agent for f in conclusion.check(rec).kept] == ["user:ada"]


def test_a_tools_answer_in_a_discussion_turn_is_a_fact() -> None:
    turns = [
        Line(id="m1", sender="calculator", type="chat_message", text=CALCULATED, answer="470"),
        Line(id="m2", sender="writer", type="chat_message", text="So the total is 470."),
    ]
    rec = record(transcript=turns)
    rec.members = [Member(agent="calculator", reason=""), Member(agent="writer", reason="")]
    assert conclusion.check(rec).answers == ["470"]
    assert [f.agent for f in conclusion.check(rec).kept] == ["calculator", "writer"]


def test_a_later_step_is_handed_the_checked_answers_in_its_inputs() -> None:
    writing = task("t2", "writer", "", outcome="pending")
    rec = record(task("t1", "calculator", CALCULATED, {"value": "470"}), writing)
    assert conclusion.handed_over(rec, writing) == [{"agent": "calculator", "answer": "470"}]
    assert conclusion.handed_over(rec, rec.tasks[0]) == []


async def test_without_an_llm_the_conclusion_is_composed_and_a_made_up_figure_never_shows() -> None:
    rec = record(
        task("t1", "calculator", CALCULATED, {"value": "470"}),
        task("t2", "writer", '<data from="calculator">434</data> The total is 490.'),
    )
    written = await conclusion.write(rec, None, Usage())
    assert written.text.startswith("Answer: 470")
    assert "490" not in written.text and "<data" not in written.text
    assert "Left out: what writer wrote, because it carries prompt markup" in written.text
    assert written.unchecked is None


async def test_a_team_whose_every_result_fails_the_checks_fails_with_the_reason() -> None:
    rec = record(task("t1", "writer", "The total is 490."))
    written = await conclusion.write(rec, None, Usage())
    assert written.unchecked == (
        "no member's result could be checked (writer: it states figures that neither the "
        "goal nor a checked result holds)"
    )
    assert "490" not in written.text
