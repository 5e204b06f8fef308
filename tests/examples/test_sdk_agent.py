"""The SDK word counter (examples/sdk_agent) passes ``ioa conformance`` and answers like the
raw agent it mirrors."""

import importlib.util
from pathlib import Path
from types import ModuleType

from ioa.conformance import Options, check_agent, passed, table
from tests.support.network import network

EXAMPLE = Path(__file__).parents[2] / "examples" / "sdk_agent" / "agent.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sdk_agent_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_sdk_example_agent_passes_conformance(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    example = load_example()
    async with network(nats_url, subject_root, tmp_path) as settings:
        async with example.WordCounter(example.CARD, settings, lease_seconds=3):
            checks = await check_agent(
                settings, "wordcount-sdk", Options(lease_wait=6, answer_wait=5, settle=0.5)
            )
    assert passed(checks), table(checks)
    found = {c.name: c.detail for c in checks}
    assert found["returns a task result or a task failure"] == "task_result '5 words'"
    assert found["replies in a group when named"].startswith("said 'wordcount-sdk here: your")


def test_the_sdk_example_counts_words_inside_quotes() -> None:
    count_words = load_example().count_words
    assert count_words("How many words are in 'the quick brown fox'?") == "4 words"
    assert count_words("one") == "1 word"
