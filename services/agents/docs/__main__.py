"""Run the docs agent: ``python -m services.agents.docs`` (``IOA_DOCS_FOLDER`` picks the folder)."""

import asyncio
import contextlib

import structlog

from protocol.lifecycle import until_signalled
from protocol.llm import Llm, LlmSettings
from protocol.telemetry import setup_telemetry
from services.agents.docs.agent import DocsAgent
from services.agents.docs.card import VERSION, docs_card
from services.agents.docs.embeddings import choose_embedder
from services.agents.docs.retrieval import Library
from services.agents.docs.settings import DocsSettings


async def main() -> None:
    settings = DocsSettings()
    if not settings.docs_folder.is_dir():
        raise SystemExit(f"docs agent: {settings.docs_folder} is not a folder")
    with setup_telemetry(settings.docs_agent_id, VERSION, settings):
        stopped = asyncio.create_task(until_signalled())
        await asyncio.sleep(0)
        async with contextlib.AsyncExitStack() as stack:
            stack.callback(stopped.cancel)
            embedder, why = choose_embedder(settings)
            log = structlog.get_logger("ioa.docs")
            if embedder is None:
                log.info("ranking by BM25 alone", why=why)
            else:
                log.info("ranking by BM25 and embeddings", embeddings=why)
                stack.push_async_callback(embedder.close)
            library = Library(
                settings.docs_folder,
                embedder,
                min_similarity=settings.docs_min_similarity,
                max_chunk_chars=settings.docs_chunk_chars,
            )
            llm = None
            if settings.docs_use_llm:
                llm = Llm(LlmSettings())
                stack.push_async_callback(llm.close)
            card = docs_card(settings.docs_agent_id, settings.docs_folder)
            await stack.enter_async_context(DocsAgent(card, settings, library, llm))
            # Online first: embedding a folder takes seconds to minutes on a small CPU, and a
            # question asked meanwhile waits for the index (Library.refresh holds a lock).
            indexing = asyncio.create_task(library.refresh())
            stack.callback(indexing.cancel)
            await asyncio.wait({indexing, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if indexing.done():
                chunks = len(library.chunks)
                log.info("docs agent ready", folder=str(settings.docs_folder), chunks=chunks)
            await stopped


if __name__ == "__main__":
    asyncio.run(main())
