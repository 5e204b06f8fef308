"""One fault round: conversations in flight, the fault, then the audit.

1. The user starts ``n`` conversations (each: the two recording members, one task each,
   in turn) and says one thing in each group as soon as it exists.
2. Once every group exists (tasks are queued at the members), the fault is applied;
   while it lasts the user asks the first member a question in every group.
3. Every conversation must end; then the audit runs until everything acknowledged has
   been delivered (or the settling time is over: what is still missing is lost), and once
   more a moment later, to catch a late duplicate.
"""

import asyncio
import time
from collections import Counter

import httpx

from tests.chaos.audit import Audit, audit, gather, group_members
from tests.chaos.report import Round
from tests.chaos.stack import FAULTS, MEMBERS, Stack
from tests.chaos.traffic import User, ended, has_group

FORM_SECONDS = 120.0
END_SECONDS = 240.0
SETTLE_SECONDS = 60.0
QUIET_SECONDS = 1.0


async def run_round(stack: Stack, fault: str, n: int) -> Round:
    began = time.time()
    result = Round(fault, n)
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    async with httpx.AsyncClient(base_url=stack.gateway_url, headers=headers, timeout=10) as http:
        user = User(http)
        conversations = list(
            await asyncio.gather(*(user.start(f"Record round {fault} {i}") for i in range(n)))
        )
        formed = await user.wait(conversations, has_group, FORM_SECONDS)
        groups = {c: s["group"] for c, s in formed.items()}
        await asyncio.gather(
            *(user.say(c, g, f"note for {c}", (), 30) for c, g in groups.items() if g)
        )
        at_fault = await user.states()
        assert not all(ended(at_fault[c]) for c in conversations), (
            "every conversation had ended before the fault: it would test nothing"
        )

        applied = asyncio.create_task(FAULTS[fault](stack))
        await asyncio.sleep(0.2)  # the fault is on
        asks = (MEMBERS[0],)
        questions = [user.say(c, g, f"question for {c}", asks, 90) for c, g in groups.items() if g]
        await asyncio.gather(applied, *questions)

        states = await user.wait(conversations, ended, END_SECONDS)
        result.ended = Counter(s["state"] for s in states.values())
        result.refused = user.refused

    members = await group_members(stack.conn, [g for g in groups.values() if g])
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        evidence = await gather(stack.conn, members, stack.work, MEMBERS)
        found: Audit = audit(evidence, user.acked, states, stack.kills, began)
        if not found.missing or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(QUIET_SECONDS)
    evidence = await gather(stack.conn, members, stack.work, MEMBERS)
    result.audit = audit(evidence, user.acked, states, stack.kills, began)
    result.seconds = time.time() - began
    return result
