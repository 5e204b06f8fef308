"""The word-counting agent of examples/raw_agent, written with the ioa SDK (``pip install
./protocol``). The SDK registers the card, heartbeats, reads the durable inbox, skips
redelivered ids, acks after handling, answers invitations and carries the trace context.

Run it: IOA_NATS_URL=nats://127.0.0.1:4222 python examples/sdk_agent/agent.py
"""

import asyncio
import os

from protocol import Agent, Envelope, NatsSettings
from protocol.kinds import AgentCard, ChatMessage, Skill, TaskAssign, TaskFailed, TaskResult
from protocol.lifecycle import until_signalled

CARD = AgentCard(
    id=os.environ.get("SDK_AGENT_ID", "wordcount-sdk"),
    name="Word counter",
    version="1.0.0",
    description="Counts the words in a text: word count, length of a text.",
    skills=[
        Skill(
            id="count-words",
            name="Count words",
            tags=["words", "count", "text"],
            examples=["How many words are in 'the quick brown fox'?"],
        )
    ],
)


def count_words(text: str) -> str:
    quoted = text.split("'")[1::2] or text.split('"')[1::2]  # count inside quotes if any
    n = len(" ".join(quoted or [text]).split())
    return f"{n} word{'s' if n != 1 else ''}"


class WordCounter(Agent):
    async def on_task(self, env: Envelope[TaskAssign]) -> TaskResult | TaskFailed:
        text = env.body.inputs.get("text") or env.body.description
        if not isinstance(text, str):
            return TaskFailed(task_id=env.body.task_id, reason="inputs.text must be a string")
        counted = count_words(text)
        # The answer as data: readers (the coordinator) take it as a tool's answer.
        answer = {"answer": counted, "value": counted.split()[0]}
        return TaskResult(task_id=env.body.task_id, text=counted, data=answer)

    async def on_turn(self, env: Envelope[ChatMessage]) -> str:
        return f"{self.id} here: your message has {count_words(env.body.text)}."


async def main() -> None:
    lease = float(os.environ.get("SDK_AGENT_LEASE_SECONDS", "15"))
    async with WordCounter(CARD, NatsSettings(), lease_seconds=lease):
        await until_signalled()  # SIGTERM: finish the message in hand, ack it, leave


if __name__ == "__main__":
    asyncio.run(main())
