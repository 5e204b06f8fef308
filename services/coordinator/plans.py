"""A plan the requester gives: checked when the conversation starts, so the flow it asks
for (tasks sync or async, pauses until named ones finish) runs as written or is refused
with a reason, never half-run. The policy that follows it is ``policies.planned``."""

from protocol.errors import InvalidMessage
from protocol.kinds import FlowPolicy, StartConversation


def policy_for(body: StartConversation, *, in_reply_to: str) -> FlowPolicy:
    """The flow policy of a conversation started with ``body``: ``planned`` when it has a
    plan (its steps checked), else the one it asks for."""

    def refuse(why: str) -> InvalidMessage:
        return InvalidMessage(why, in_reply_to=in_reply_to)

    if not body.plan:
        if body.policy == "planned":
            raise refuse("the planned policy needs a plan: give its steps in plan")
        return body.policy
    if body.policy not in ("sequential", "planned"):
        raise refuse(
            f"a plan is the flow: leave policy out or set it to planned, not {body.policy}"
        )
    seen: dict[str, str] = {}
    for step in body.plan:
        if step.id in seen:
            raise refuse(f"plan step id {step.id!r} is used twice")
        if step.kind == "task" and step.agent is not None and step.agent not in body.required:
            raise refuse(
                f"plan step {step.id!r} names {step.agent}, who is not required: name only "
                "required members (they are sure to be on the team), or none"
            )
        waits = [s for s in step.until if seen.get(s) != "task"]
        if step.kind == "pause" and waits:
            raise refuse(
                f"plan step {step.id!r} waits for {', '.join(waits)}: a pause waits for "
                "earlier task steps"
            )
        if step.kind == "task" and step.until:
            raise refuse(f"plan step {step.id!r} is a task: only a pause has until")
        seen[step.id] = step.kind
    if "task" not in seen.values():
        raise refuse("the plan has no task step")
    return "planned"
