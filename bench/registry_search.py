"""How well capability search finds the right agent: recall@5 and MRR on tests/data.

Loads the evaluation set (``tests/data/agents.json``, ``needs.json``: every
need labelled with the agents that can serve it) into a fresh registry store
and ranks each need three ways: lexical (the database's full-text index),
semantic (all-MiniLM-L6-v2 from the optional ``embeddings`` extra) and the two
fused (reciprocal rank fusion), exactly as the registry's search handler does.

- recall@5: for each need, the share of its agents found in the top 5
  (of at most 5), averaged over needs;
- MRR: the mean of 1 / rank of the first right agent (0 when none in the top 20).

Run: ``python -m bench.registry_search [--database URL]``.
"""

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

from bench.report import table, write_results
from protocol.kinds import AgentCard, Search
from registry.search import Searcher
from registry.semantic import SemanticIndex
from registry.store import Store

NAME = "registry_search"
DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
DEPTH = 20


def load() -> tuple[list[AgentCard], list[dict[str, Any]]]:
    cards = [AgentCard.model_validate(c) for c in json.loads((DATA / "agents.json").read_text())]
    needs = json.loads((DATA / "needs.json").read_text())
    return cards, needs


def scores(ranked: list[list[str]], needs: list[dict[str, Any]]) -> tuple[float, float]:
    recall = mrr = 0.0
    for ids, need in zip(ranked, needs, strict=True):
        wanted = set(need["agents"])
        recall += len(wanted & set(ids[:5])) / min(len(wanted), 5)
        first = next((rank for rank, agent in enumerate(ids, 1) if agent in wanted), None)
        mrr += 1.0 / first if first else 0.0
    return recall / len(needs), mrr / len(needs)


def local_embedder() -> Any:
    try:
        from registry.embeddings import LocalEmbedder

        return LocalEmbedder()
    except (RuntimeError, ImportError) as exc:
        print(f"semantic ranking skipped: {exc}")
        return None


async def evaluate(database: str) -> dict[str, Any]:
    cards, needs = load()
    rows: list[list[Any]] = []
    results: dict[str, Any] = {"agents": len(cards), "needs": len(needs), "database": database}
    async with Store(database) as store:
        for card in cards:
            await store.register(card, 3600)
        lexical = Searcher(store)
        ranked = [
            [h.card.id for h in await lexical.search(Search(query=n["need"], limit=DEPTH))]
            for n in needs
        ]
        results["lexical"] = dict(zip(("recall_at_5", "mrr"), scores(ranked, needs), strict=True))
        rows.append(["lexical (full-text BM25)", *scores(ranked, needs)])

        embedder = local_embedder()
        if embedder is not None:
            index = SemanticIndex(store, embedder)
            started = time.perf_counter()
            await index.embed_pending()
            results["embed_seconds"] = round(time.perf_counter() - started, 2)
            semantic = [[a for a, _ in await index.nearest(n["need"], DEPTH)] for n in needs]
            results["semantic"] = dict(
                zip(("recall_at_5", "mrr"), scores(semantic, needs), strict=True)
            )
            rows.append([f"semantic ({index.model})", *scores(semantic, needs)])
            both = Searcher(store, index, min_similarity=0.0)
            combined = [
                [h.card.id for h in await both.search(Search(query=n["need"], limit=DEPTH))]
                for n in needs
            ]
            results["combined"] = dict(
                zip(("recall_at_5", "mrr"), scores(combined, needs), strict=True)
            )
            rows.append(["combined (RRF)", *scores(combined, needs)])
            await embedder.aclose()
    print(f"{len(cards)} agent cards, {len(needs)} labelled needs ({database})")
    print(
        table(
            ["ranking", "recall@5", "MRR"], [[r[0], round(r[1], 3), round(r[2], 3)] for r in rows]
        )
    )
    return results


def run(database: str = "sqlite://") -> dict[str, Any]:
    results = asyncio.run(evaluate(database))
    path = write_results(NAME, results)
    print(f"results: {path}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite://", help="a SQLAlchemy URL")
    run(parser.parse_args().database)


if __name__ == "__main__":
    main()
