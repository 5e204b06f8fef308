"""A group's turn budget, kept where posts enter: members that name each other as next
speakers talk through this service, not through the coordinator, so only here can the
count not fall behind them.

The group carries the budget (``create_group``'s ``max_turns``, ``set_turns``); each
chat message of an agent member other than the creator spends one turn, counted in the
group record (compare-and-set, so replicas count together), and once they are spent
such posts are refused with ``budget_spent``. The creator's posts (the coordinator's
questions and its conclusion), a person's words (``user:<id>``, who steers) and the
other kinds (a task's result) spend none. A person's question earns its answers: each
member it names as a next speaker is owed one chat message, which spends no turn and is
taken even once the turns are spent (a person asking is no loop, and its answer must
not be lost because the conversation concluded meanwhile). A post retried after its append failed is
counted again: a turn lost to an outage, never a turn too many.
"""

from collections.abc import Callable, Iterable
from typing import Any

from protocol.envelope import Envelope
from protocol.errors import BudgetSpent, Forbidden
from protocol.kinds import SetTurns
from services.chat.groups import Group


def spend(env: Envelope[Any]) -> Callable[[Group], Group]:
    """The change that spends one of a group's turns on ``env``, or refuses it."""

    def take(group: Group) -> Group:
        if group.owed.get(env.sender, 0) > 0:
            group.owed[env.sender] -= 1
            return group
        if group.max_turns is not None and group.turns >= group.max_turns:
            raise BudgetSpent(
                f"the {group.max_turns} turns of group {group.id!r} are spent: it takes no "
                "more chat messages from its members until it is given turns again",
                in_reply_to=env.id,
            )
        group.turns += 1
        return group

    return take


def owe(speakers: Iterable[str]) -> Callable[[Group], Group]:
    """The change that owes a person's question its answers: one chat message each from
    the members it names as ``speakers``."""

    def ask(group: Group) -> Group:
        for agent in dict.fromkeys(speakers):
            if group.is_member(agent) and agent != group.created_by:
                group.owed[agent] = group.owed.get(agent, 0) + 1
        return group

    return ask


def give(env: Envelope[SetTurns]) -> Callable[[Group], Group]:
    """The change that gives a group a new turn budget (its creator only)."""

    def reset(group: Group) -> Group:
        if group.created_by != env.sender:
            raise Forbidden(
                f"only {group.created_by!r}, who created group {group.id!r}, sets its turns",
                in_reply_to=env.id,
            )
        group.max_turns, group.turns = env.body.max_turns, 0
        return group

    return reset
