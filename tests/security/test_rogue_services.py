"""Every operation of the registry, the chat service and the coordinator, and every way
into an agent, tried by the strangers of the rogue scene (``rogues.py``): mallory, an
admitted agent that is a member of nothing, and the writer, which was on alice's team
and left its group. docs/security.md's audit table names these tests row by row."""

from collections.abc import Callable

import pytest
from _pytest.mark import ParameterSet

from protocol.envelope import Envelope, decode
from protocol.errors import Conflict, Forbidden, NotFound
from protocol.kinds import (
    AddMembers,
    Admit,
    AgentCard,
    ChatMessage,
    CloseGroup,
    CreateGroup,
    Deregister,
    ErrorBody,
    GetAgent,
    GetGroup,
    Heartbeat,
    History,
    LeaveGroup,
    ListConversations,
    ListGroups,
    Pending,
    Register,
    RemoveMembers,
    Revoke,
    Search,
    SetTurns,
    StartConversation,
    TaskAssign,
    TeamInvite,
    Update,
)
from protocol.kinds.base import Body
from protocol.subjects import CHAT, COORDINATOR, REGISTRY
from tests.security.rogues import Scene, agent_connection, as_unknown, leaks, rogue_nats, settle
from tests.services.coordinator.network import state_of
from tests.support.strangers import UNKNOWN, ask, every_operation

STRANGERS = pytest.mark.parametrize("who", ["rogue", "leaver"])


def ops(*keys: str) -> list[ParameterSet]:
    return [pytest.param(key, id=key) for key in keys]


def split(key: str) -> tuple[str, str]:
    service, _, op = key.partition(".")
    return service, op


# --- alice's conversation: what an unknown id gets --------------------------------------


@STRANGERS
@pytest.mark.parametrize("op", ops(*(f"{COORDINATOR}.{op}" for op in every_operation(UNKNOWN))))
async def test_a_stranger_gets_for_alices_conversation_what_an_unknown_id_gets(
    scene: Scene, op: str, who: str
) -> None:
    _, name = split(op)
    conn = scene.stranger(who)

    async def refusal(conversation: str) -> str:
        body = every_operation(conversation)[name]
        with pytest.raises(NotFound) as refused:
            await ask(conn, COORDINATOR, name, body, conversation=conversation)
        return refused.value.message

    before = await state_of(scene.coordinator, scene.theirs)
    if who == "leaver" and name in ("accept", "decline"):
        # It was invited: its late answer is taken, and changes nothing (the team formed).
        body = every_operation(scene.theirs)[name]
        await ask(conn, COORDINATOR, name, body, conversation=scene.theirs)
    else:
        assert await refusal(scene.theirs) == as_unknown(await refusal(UNKNOWN), scene)
    assert await state_of(scene.coordinator, scene.theirs) == before


async def test_an_agent_that_left_the_group_reads_the_conversation_no_more(scene: Scene) -> None:
    async with agent_connection(scene.net, "calculator") as calculator:
        stayed = await state_of(calculator, scene.theirs)
    assert scene.read_before_leaving.conversation == scene.theirs  # it read it as a member
    assert "writer" in {m.agent for m in scene.read_before_leaving.members}
    assert stayed.conversation == scene.theirs  # one who stayed still does
    with pytest.raises(NotFound):
        await state_of(scene.leaver, scene.theirs)


# --- alice's group ------------------------------------------------------------------------

IN_THE_GROUP: dict[str, Callable[[str], Body]] = {
    "chat.create_group": lambda group: CreateGroup(group=group),
    "chat.get_group": lambda group: GetGroup(group=group),
    "chat.add_members": lambda group: AddMembers(group=group, members=["mallory"]),
    "chat.remove_members": lambda group: RemoveMembers(group=group, members=["calculator"]),
    "chat.leave_group": lambda group: LeaveGroup(group=group),
    "chat.close_group": lambda group: CloseGroup(group=group),
    "chat.set_turns": lambda group: SetTurns(group=group, max_turns=1000),
    "chat.post": lambda group: ChatMessage(text="hijack"),
    "chat.history": lambda group: History(group=group),
    "chat.pending": lambda group: Pending(group=group),
}


async def group_refusal(scene: Scene, who: str, op: str, group: str) -> dict[str, object]:
    """The error a stranger gets for ``op`` on ``group``, as it came on the wire; it
    answers the stranger's request (``in_reply_to``)."""
    conn = scene.stranger(who)
    env = Envelope.of(IN_THE_GROUP[op](group), sender=conn.identity, group=group)
    subject = conn.subjects.request(conn.identity, *split(op))
    reply = decode((await conn.nc.request(subject, env.encode(), timeout=5)).data)
    assert isinstance(reply.body, ErrorBody), reply
    assert reply.in_reply_to == env.id
    return reply.body.model_dump(mode="json")


@STRANGERS
@pytest.mark.parametrize("op", ops(*IN_THE_GROUP))
async def test_a_stranger_is_refused_in_alices_group(scene: Scene, op: str, who: str) -> None:
    if op == "chat.create_group":  # ids share one namespace: a taken one is taken (a known limit)
        with pytest.raises(Conflict):
            await ask(scene.stranger(who), *split(op), CreateGroup(group=scene.theirs))
    else:  # word for word what a group id nobody has gets
        refused = await group_refusal(scene, who, op, scene.theirs)
        assert refused["code"] == "not_found"
        assert refused == as_unknown(await group_refusal(scene, who, op, UNKNOWN), scene)
    group = await ask(scene.coordinator, CHAT, "get_group", GetGroup(group=scene.theirs))
    assert "calculator" in group.body.members
    assert not {"mallory", "writer"} & set(group.body.members)


# --- speaking for another agent, or as an administrator ---------------------------------

FOR_ANOTHER: dict[str, tuple[Body, str | None]] = {
    "registry.register": (Register(card=AgentCard(id="calculator", name="Calculator")), None),
    "registry.update": (Update(card=AgentCard(id="calculator", name="Calculator")), None),
    "registry.heartbeat": (Heartbeat(), "calculator"),
    "registry.deregister": (Deregister(), "calculator"),
    "registry.admit": (Admit(agent="mallory2"), None),
    "registry.revoke": (Revoke(agent="calculator"), None),
}


@STRANGERS
@pytest.mark.parametrize("op", ops(*FOR_ANOTHER))
async def test_a_stranger_cannot_act_for_another_agent_or_as_administrator(
    scene: Scene, op: str, who: str
) -> None:
    body, forged = FOR_ANOTHER[op]
    with pytest.raises(Forbidden):
        await ask(scene.stranger(who), *split(op), body, sender=forged)
    calculator = await ask(scene.rogue, REGISTRY, "get_agent", GetAgent(agent="calculator"))
    assert calculator.body.online and calculator.body.card.description  # its own card still


# --- what anyone admitted may ask: nothing of alice's in it ------------------------------

OWN_OR_PUBLIC: dict[str, Body] = {
    "registry.search": Search(),
    "registry.get_agent": GetAgent(agent="user:alice"),
    "chat.list_groups": ListGroups(),
    "chat.pending": Pending(),
    "coordinator.list": ListConversations(),
    "coordinator.start": StartConversation(goal="Compute 2+2", max_team=1),
}


@STRANGERS
@pytest.mark.parametrize("op", ops(*OWN_OR_PUBLIC))
async def test_what_a_stranger_may_ask_holds_nothing_of_alices(
    scene: Scene, op: str, who: str
) -> None:
    reply = await ask(scene.stranger(who), *split(op), OWN_OR_PUBLIC[op])
    assert leaks(reply.body.model_dump(mode="json"), scene) == []


# --- into an agent (the MCP and A2A bridges are agents of the SDK too) -------------------

DELIVERIES: dict[str, tuple[tuple[str, ...], Body]] = {
    "agent.on_invite": (("invite",), TeamInvite(conversation="x", goal="join my team")),
    "agent.on_task": (
        ("group",),
        TaskAssign(task_id="t9", assignee="calculator", description="2+2"),
    ),
    "agent.on_turn": (("group",), ChatMessage(text="your turn", next_speakers=["calculator"])),
    "agent.on_group_message": (("group",), ChatMessage(text="hello")),
}


@pytest.mark.parametrize("op", ops(*DELIVERIES))
async def test_a_stranger_cannot_hand_an_agent_anything(scene: Scene, op: str) -> None:
    below, body = DELIVERIES[op]
    in_group = below == ("group",)
    subjects = scene.rogue.subjects
    inbox = subjects.inbox("calculator", *below, *([scene.theirs] if in_group else []))
    env = Envelope.of(body, sender="mallory", group=scene.theirs if in_group else None)
    errors: list[str] = []
    nc = await rogue_nats(scene.server, scene.rogue_creds, errors)
    try:
        await nc.publish(inbox, env.encode())
        await settle(nc)
    finally:
        await nc.close()
    assert len(errors) == 1 and "permissions violation" in errors[0], errors
    if in_group:  # nor through the chat service, into a group the agent is in
        with pytest.raises(NotFound):
            await ask(scene.rogue, CHAT, "post", body, group=scene.theirs)
