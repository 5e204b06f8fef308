"""Every operation of the registry, the chat service and the coordinator, and every way
into an agent, tried by the strangers of the rogue scene (``rogues.py``): mallory, an
admitted agent that is a member of nothing, and the writer, which was on alice's team
and left its group. docs/security.md's audit table names these tests row by row."""

from collections.abc import Callable

import pytest
from _pytest.mark import ParameterSet

from protocol.envelope import Envelope
from protocol.errors import Conflict, Forbidden, IoaError, NotAMember, NotFound
from protocol.kinds import (
    AddMembers,
    Admit,
    AgentCard,
    ChatMessage,
    CloseGroup,
    CreateGroup,
    Deregister,
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

IN_THE_GROUP: dict[str, tuple[Callable[[str], Body], type[IoaError]]] = {
    "chat.create_group": (lambda group: CreateGroup(group=group), Conflict),
    "chat.get_group": (lambda group: GetGroup(group=group), NotAMember),
    "chat.add_members": (lambda group: AddMembers(group=group, members=["mallory"]), Forbidden),
    "chat.remove_members": (
        lambda group: RemoveMembers(group=group, members=["calculator"]),
        Forbidden,
    ),
    "chat.leave_group": (lambda group: LeaveGroup(group=group), NotAMember),
    "chat.close_group": (lambda group: CloseGroup(group=group), Forbidden),
    "chat.set_turns": (lambda group: SetTurns(group=group, max_turns=1000), Forbidden),
    "chat.post": (lambda group: ChatMessage(text="hijack"), NotAMember),
    "chat.history": (lambda group: History(group=group), NotAMember),
    "chat.pending": (lambda group: Pending(group=group), NotAMember),
}


@STRANGERS
@pytest.mark.parametrize("op", ops(*IN_THE_GROUP))
async def test_a_stranger_is_refused_in_alices_group(scene: Scene, op: str, who: str) -> None:
    make, refused = IN_THE_GROUP[op]
    with pytest.raises(refused):
        await ask(scene.stranger(who), *split(op), make(scene.theirs), group=scene.theirs)
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
        with pytest.raises(NotAMember):
            await ask(scene.rogue, CHAT, "post", body, group=scene.theirs)
