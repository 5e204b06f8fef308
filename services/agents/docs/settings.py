"""The docs agent's settings (environment variables with the ``IOA_`` prefix)."""

from pathlib import Path

from pydantic import Field, SecretStr

from protocol.settings import ServiceSettings

# This project's own docs/ folder (three levels above services/agents/docs/).
PROJECT_DOCS = Path(__file__).resolve().parents[3] / "docs"


class DocsSettings(ServiceSettings):
    agent_lease_seconds: float = Field(default=15.0, gt=0)
    docs_folder: Path = Field(default=PROJECT_DOCS, description="The documents to answer from.")
    docs_agent_id: str = Field(default="docs", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    docs_use_llm: bool = Field(default=True, description="Phrase answers with the LLM.")
    docs_max_tokens: int = Field(default=400, ge=1, le=8000)
    docs_passages: int = Field(default=4, ge=1, le=20, description="Passages per answer.")
    docs_chunk_chars: int = Field(default=1200, ge=200, le=20_000)
    docs_embeddings_url: str | None = Field(
        default=None,
        description="An OpenAI-compatible base URL with /embeddings; none: the local model "
        "when installed, else BM25 alone.",
    )
    docs_embeddings_local: bool = Field(
        default=True,
        description="Without a URL, rank with all-MiniLM-L6-v2 on this machine when the "
        "'embeddings' extra is installed.",
    )

    docs_embeddings_model: str = "text-embedding-3-small"
    docs_embeddings_api_key: SecretStr = SecretStr("none")
    docs_min_similarity: float = Field(default=0.5, ge=-1, le=1)
