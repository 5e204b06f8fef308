"""The new agents in a whole conversation: real registry, chat, coordinator and agents in
this process against the session's nats-server; only the LLM is scripted."""

from pathlib import Path

from protocol.connection import Connection
from protocol.kinds import StartConversation
from protocol.llm import Llm, LlmSettings
from services.agents.docs.agent import DocsAgent
from services.agents.docs.card import docs_card
from services.agents.docs.retrieval import Library
from services.agents.docs.settings import PROJECT_DOCS, DocsSettings
from services.agents.python.agent import PythonRunner
from services.agents.python.card import python_card
from services.agents.python.sandbox import pick_interpreter, probe_isolation
from services.agents.python.settings import PythonSettings
from tests.services.coordinator.network import finish, group_messages, network
from tests.support.scripted_llm import Rule, Script

GOAL = (
    "Add up the numbers 1 to 100 with a Python program, and tell me what the "
    "unsupported_version error of the protocol means."
)
RULES = [
    Rule("CAPABILITY QUERIES", '{"queries": ["run python code", "protocol documentation"]}'),
    Rule(
        "TEAM CHOICE",
        '{"members": [{"agent": "python", "reason": "runs code", "task": '
        '"Run this:\\n```python\\nprint(sum(range(1, 101)))\\n```"}, {"agent": "docs", '
        '"reason": "knows the docs", "task": "What does the unsupported_version error mean?"}]}',
    ),
    Rule(
        "Question: What does the unsupported_version error mean?",
        "A message with another major protocol version is refused with it [1].",
    ),
    Rule("CONCLUSION", "The sum is 5050; unsupported_version refuses other major versions."),
]


async def test_the_python_and_docs_agents_do_their_part_of_a_conversation(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    script = Script(rules=list(RULES))
    async with network(nats_url, subject_root, tmp_path, script) as net:
        common = {"nats_url": nats_url, "subject_root": subject_root}
        interpreter = pick_interpreter()
        isolation = await probe_isolation(interpreter)
        python_settings = PythonSettings(**common)
        await net.add(
            PythonRunner(
                python_card(python_settings.limits, isolation),
                python_settings,
                isolation,
                interpreter,
            )
        )
        llm = Llm(LlmSettings(openai_base_url=net.llm_url, model="scripted"))
        net.stack.push_async_callback(llm.close)
        docs = DocsSettings(**common)
        await net.add(DocsAgent(docs_card("docs", PROJECT_DOCS), docs, Library(PROJECT_DOCS), llm))
        async with Connection(net.settings, "gateway") as conn:
            state = await finish(conn, StartConversation(goal=GOAL, observers=["gateway"]))
            messages = await group_messages(conn, state.group or "")

    assert state.state == "concluded", state.reason
    assert [m.agent for m in state.members] == ["python", "docs"]
    results = {m["sender"]: m["body"] for m in messages if m["type"] == "task_result"}
    assert results["python"]["data"]["stdout"] == "5050\n"
    assert results["docs"]["text"].startswith("A message with another major protocol version")
    cited = results["docs"]["data"]["citations"]
    assert cited and cited[0]["file"] == "protocol.md"
