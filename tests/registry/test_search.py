"""Keyword ranking over cards, as a pure function."""

from hypothesis import given
from hypothesis import strategies as st

from protocol.kinds import Search, Skill
from registry.search import Candidate, rank, tokenize
from tests.registry.conftest import make_card

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
ALL = [Candidate(CALC, True), Candidate(POET, True), Candidate(WRITER, False)]


def ids(search: Search) -> list[str]:
    return [hit.card.id for hit in rank(ALL, search)]


def test_tokenize_lowercases_drops_stopwords_and_folds_plurals() -> None:
    assert tokenize("The Poems of a class, and numbers!") == ["poem", "class", "number"]


def test_the_card_that_matches_more_of_the_query_ranks_first() -> None:
    hits = rank(ALL, Search(query="short poems", online_only=False))
    assert [hit.card.id for hit in hits] == ["poet", "writer"]
    assert hits[0].score > hits[1].score > 0


def test_cards_sharing_no_term_with_the_query_are_not_hits() -> None:
    assert ids(Search(query="weather forecast")) == []


def test_an_empty_or_stopword_query_lists_all_by_name_with_score_zero() -> None:
    for query in ("", "what is the"):
        hits = rank(ALL, Search(query=query, online_only=False))
        assert [hit.card.id for hit in hits] == ["calculator", "poet", "writer"]
        assert all(hit.score == 0 for hit in hits)


def test_online_only_skips_offline_cards() -> None:
    assert ids(Search(query="writing")) == ["poet"]
    assert set(ids(Search(query="writing", online_only=False))) == {"poet", "writer"}


def test_skill_and_tag_filters_must_all_match() -> None:
    assert ids(Search(skills=["arithmetic"])) == ["calculator"]
    assert ids(Search(tags=["Writing", "poetry"])) == ["poet"]
    assert ids(Search(skills=["arithmetic", "poems"])) == []
    assert ids(Search(query="poems", tags=["math"])) == []


def test_the_limit_caps_the_hits() -> None:
    assert len(rank(ALL, Search(online_only=False, limit=2))) == 2


@given(query=st.text(max_size=200), online_only=st.booleans(), limit=st.integers(1, 5))
def test_any_query_gives_at_most_limit_hits_sorted_by_score(
    query: str, online_only: bool, limit: int
) -> None:
    hits = rank(ALL, Search(query=query, online_only=online_only, limit=limit))
    assert len(hits) <= limit
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.online or not online_only for h in hits)
