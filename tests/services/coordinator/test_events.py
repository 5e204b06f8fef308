"""Turns in an autonomous discussion count the same whether the coordinator watched for
a speaker before it spoke or heard it first (the members are quicker at times)."""

from datetime import timedelta
from typing import Literal

from protocol.envelope import Envelope
from protocol.kinds import ChatMessage
from services.coordinator import events
from services.coordinator.state import Member, Move, Record, now


def discussion(move: Move, *, turns: int) -> Record:
    """alpha was asked and answered, naming beta; ``move`` is in flight."""
    soon = now() + timedelta(minutes=1)
    return Record(
        id="c1",
        requester="gateway",
        goal="xylophone",
        policy="autonomous",
        state="discussing",
        deadline=soon,
        members=[Member(agent="alpha"), Member(agent="beta")],
        current=move,
        turns=turns,
    )


def move(kind: Literal["ask", "watch"], speaker: str, *answered: str) -> Move:
    soon = now() + timedelta(minutes=1)
    return Move(
        kind=kind, envelope_id="m1", speakers=[speaker], deadline=soon, answered=[*answered]
    )


def said(sender: str, text: str) -> Envelope[ChatMessage]:
    return Envelope.of(ChatMessage(text=text), sender=sender, group="g")


def test_a_member_who_speaks_before_the_coordinator_watches_takes_a_turn() -> None:
    # beta was named; the coordinator has not watched for it yet.
    rec = discussion(move("ask", "alpha", "alpha"), turns=1)
    done = said("beta", "done")
    assert events.group_message(rec, done)
    assert rec.turns == 2
    assert not events.group_message(rec, done)  # a redelivery counts nothing
    assert rec.turns == 2


def test_a_member_the_coordinator_watched_for_takes_the_move_s_turn_only() -> None:
    rec = discussion(move("watch", "beta"), turns=2)  # the watch counted beta's turn
    assert events.group_message(rec, said("beta", "done"))
    assert rec.turns == 2
    assert rec.current is not None and rec.current.answered == ["beta"]
