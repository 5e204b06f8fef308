"""Run the docs agent: ``python -m services.agents.docs`` (``IOA_DOCS_FOLDER`` picks the folder)."""

import asyncio
import contextlib

import structlog

from protocol.lifecycle import until_signalled
from protocol.llm import Llm, LlmSettings
from protocol.telemetry import setup_telemetry
from services.agents.docs.agent import DocsAgent
from services.agents.docs.card import VERSION, docs_card
from services.agents.docs.embeddings import Embedder
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
            embedder = None
            if settings.docs_embeddings_url:
                embedder = Embedder(
                    settings.docs_embeddings_url,
                    settings.docs_embeddings_model,
                    settings.docs_embeddings_api_key.get_secret_value(),
                )
                stack.push_async_callback(embedder.close)
            library = Library(
                settings.docs_folder,
                embedder,
                min_similarity=settings.docs_min_similarity,
                max_chunk_chars=settings.docs_chunk_chars,
            )
            await library.refresh()
            llm = None
            if settings.docs_use_llm:
                llm = Llm(LlmSettings())
                stack.push_async_callback(llm.close)
            card = docs_card(settings.docs_agent_id, settings.docs_folder)
            await stack.enter_async_context(DocsAgent(card, settings, library, llm))
            structlog.get_logger("ioa.docs").info(
                "docs agent ready", folder=str(settings.docs_folder), chunks=len(library.chunks)
            )
            await stopped


if __name__ == "__main__":
    asyncio.run(main())
