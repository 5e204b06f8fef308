"""Capability search: query terms, rank fusion, and the lexical and semantic rankings
over a real database (SQLite FTS5 and PostgreSQL full-text) and a real HTTP
embeddings endpoint."""

from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from protocol.kinds import Search, Skill
from registry.cardtext import query_terms
from registry.embeddings import OpenAIEmbedder
from registry.fusion import fuse
from registry.search import Searcher
from registry.semantic import SemanticIndex
from registry.store import Store
from tests.registry.conftest import make_card
from tests.support.scripted_embeddings import Concepts, scripted_embeddings
from tests.support.spans import collected, in_trace

tracer = trace.get_tracer("test")

CALC = make_card(
    "calculator",
    "Exact arithmetic on numbers.",
    Skill(id="arithmetic", name="Arithmetic", tags=["math"], examples=["what is 2+2"]),
)
POET = make_card(
    "poet", "Writes short poems.", Skill(id="poems", name="Poems", tags=["writing", "poetry"])
)
WRITER = make_card(
    "writer",
    "Writes reports, summaries and poems when asked.",
    Skill(id="reports", name="Reports", tags=["writing"]),
)
CLINIC = make_card("clinic", "A physician that answers questions about symptoms.")
OTHERS = [make_card(f"filler-{n}", f"Sorts parcels of kind {n} in a warehouse.") for n in range(6)]
CONCEPTS = Concepts(
    groups=[
        ["doctor", "physician", "medic", "symptoms", "ill", "sick"],
        ["poem", "poems", "poetry", "verse"],
        ["arithmetic", "sum", "add", "numbers", "math"],
        ["parcel", "parcels", "warehouse", "sorts"],
    ]
)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with Store(database_url) as opened:
        for card in (CALC, POET, WRITER, CLINIC, *OTHERS):
            await opened.register(card, 60)
        yield opened


def ids(hits) -> list[str]:  # type: ignore[no-untyped-def]
    return [hit.card.id for hit in hits]


def test_query_terms_are_lower_case_distinct_words_without_stopwords() -> None:
    assert query_terms("Please find me the POEMS, poems and a 'poet'!") == ["find", "poems", "poet"]
    assert query_terms('x" OR name:* NEAR(a b)') == ["x", "name", "near", "b"]


def test_fusion_ranks_what_both_lists_agree_on_first() -> None:
    fused = fuse([["a", "b", "c"], ["c", "b", "d"]])
    assert [item for item, _ in fused][:2] in (["b", "c"], ["c", "b"])
    assert {item for item, _ in fused} == {"a", "b", "c", "d"}
    assert all(score > 0 for _, score in fused)


async def test_lexical_search_ranks_the_card_that_matches_best_first(store: Store) -> None:
    hits = await Searcher(store).search(Search(query="write me some short poems"))
    assert ids(hits)[:2] == ["poet", "writer"]
    assert hits[0].score >= hits[1].score > 0
    assert hits[0].lexical_score == hits[0].score and hits[0].semantic_score is None


async def test_lexical_search_stems_words(store: Store) -> None:
    assert ids(await Searcher(store).search(Search(query="writing a summary")))[0] == "writer"


async def test_cards_sharing_no_word_with_the_need_are_not_lexical_hits(store: Store) -> None:
    assert await Searcher(store).search(Search(query="weather forecast")) == []


async def test_query_syntax_of_the_database_is_taken_as_plain_words(store: Store) -> None:
    for query in ('poems" OR *', "poems & !writer | (", "NEAR(poems writer)", "poems:*"):
        assert "poet" in ids(await Searcher(store).search(Search(query=query)))


async def test_filters_narrow_lexical_hits(store: Store) -> None:
    searcher = Searcher(store)
    assert ids(await searcher.search(Search(query="poems", tags=["POETRY"]))) == ["poet"]
    assert ids(await searcher.search(Search(query="poems", skills=["reports"]))) == ["writer"]
    assert await searcher.search(Search(query="poems", protocol_version="ioa/9")) == []
    assert len(await searcher.search(Search(query="poems", protocol_version="ioa/1"))) == 2


async def test_an_empty_query_lists_cards_by_name_with_score_zero(store: Store) -> None:
    hits = await Searcher(store).search(Search(limit=3))
    assert ids(hits) == ["calculator", "clinic", "filler-0"]
    assert {hit.score for hit in hits} == {0.0}


async def test_semantic_search_finds_a_synonym_that_lexical_search_misses(store: Store) -> None:
    with scripted_embeddings(CONCEPTS) as url:
        index = SemanticIndex(store, OpenAIEmbedder(url, "scripted", "none"))
        assert await index.embed_pending() == 10
        assert await index.embed_pending() == 0  # nothing changed, nothing to embed
        need = Search(query="I feel sick, I need a doctor")

        lexical = await Searcher(store).search(need)
        combined = await Searcher(store, index).search(need)

    assert "clinic" not in ids(lexical)
    assert ids(combined)[0] == "clinic"
    assert combined[0].semantic_score is not None and combined[0].semantic_score > 0.9
    assert combined[0].lexical_score is None
    assert CONCEPTS.requests[0]["model"] == "scripted"


async def test_a_changed_card_is_embedded_again(store: Store) -> None:
    with scripted_embeddings(CONCEPTS) as url:
        index = SemanticIndex(store, OpenAIEmbedder(url, "scripted", "none"))
        await index.embed_pending()
        await store.register(make_card("poet", "Now a medic on call."), 60)
        assert await index.embed_pending() == 1
        hits = await Searcher(store, index).search(Search(query="physician please"))
    assert set(ids(hits)[:2]) == {"clinic", "poet"}


async def test_combined_search_keeps_both_scores_and_the_filters(store: Store) -> None:
    with scripted_embeddings(CONCEPTS) as url:
        index = SemanticIndex(store, OpenAIEmbedder(url, "scripted", "none"))
        await index.embed_pending()
        hits = await Searcher(store, index).search(Search(query="poems in verse"))
        filtered = await Searcher(store, index).search(Search(query="poems", tags=["poetry"]))
    assert ids(hits)[0] == "poet"
    assert hits[0].lexical_score and hits[0].semantic_score
    assert ids(filtered) == ["poet"]


@given(query=st.text(max_size=200), limit=st.integers(1, 5))
def test_any_text_gives_safe_query_terms(query: str, limit: int) -> None:
    terms = query_terms(query)
    assert len(terms) == len(set(terms)) <= 32
    assert all(term.isalnum() for term in terms)


async def test_a_search_is_a_span_with_a_child_per_stage_and_the_statements_under_them(
    store: Store,
) -> None:
    collected()
    with scripted_embeddings(CONCEPTS) as url:
        index = SemanticIndex(store, OpenAIEmbedder(url, "scripted", "none"))
        await index.embed_pending()
        with tracer.start_as_current_span("test") as root:
            await Searcher(store, index).search(Search(query="I need a doctor"))
    spans = in_trace(root.get_span_context().trace_id)
    by_id = {s.context.span_id: s for s in spans if s.context}

    def parent_of(name: str) -> str:
        span = next(s for s in spans if s.name == name)
        assert span.parent is not None
        return by_id[span.parent.span_id].name

    assert parent_of("registry search") == "test"
    for stage in ("lexical search", "semantic search", "fusion"):
        assert parent_of(stage) == "registry search"
    assert parent_of("embeddings scripted") == "semantic search"
    statements = [
        s for s in spans if s.kind == SpanKind.CLIENT and "db.system.name" in s.attributes
    ]
    assert {by_id[s.parent.span_id].name for s in statements if s.parent} >= {
        "lexical search",
        "semantic search",
    }
    lexical = next(
        s
        for s in statements
        if s.parent and by_id[s.parent.span_id].name == "lexical search" and "SELECT" in s.name
    )
    assert lexical.name.startswith("SELECT ")
    assert lexical.attributes["db.system.name"] == store.dialect
    assert "SELECT" in lexical.attributes["db.query.text"]
