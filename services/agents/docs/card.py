"""The docs agent's card."""

from pathlib import Path

from protocol.kinds import AgentCard, Provider, Skill
from services.agents.docs.chunks import document_files

VERSION = "0.1.0"


MAX_TITLES = 40


def document_titles(folder: Path) -> list[str]:
    """Each document's title: its first ``# `` heading, else its file name in words."""
    titles = []
    for path in document_files(folder)[:MAX_TITLES]:
        try:
            head = path.read_text(errors="replace")[:4000].splitlines()
        except OSError:
            continue
        title = next((line[2:].strip() for line in head if line.startswith("# ")), "")
        titles.append(title or path.stem.replace("-", " ").replace("_", " "))
    return titles


def _words(title: str) -> list[str]:
    return [w.strip(":;,.'\"()!?").lower() for w in title.split()]


def docs_card(agent_id: str, folder: Path) -> AgentCard:
    """The card, naming the documents: a search for what they cover finds this agent,
    and a goal about anything else does not."""
    titles = document_titles(folder)
    covers = (
        [
            Skill(
                id="these-documents",
                name="What the documents cover",
                description=("Questions about: " + "; ".join(titles))[:4000],
                tags=sorted({w for t in titles for w in _words(t) if len(w) > 3})[:50],
                examples=[f"What does {t} say about it?" for t in titles[:5]],
            )
        ]
        if titles
        else []
    )
    return AgentCard(
        id=agent_id,
        name="Documentation expert",
        description=(
            f"Answers questions about the documents in {folder.name}/ (Markdown and text) "
            "by retrieval: it finds the relevant passages and cites each one it used (file, "
            "heading, line range). It says so when the documents do not cover a question."
        ),
        version=VERSION,
        provider=Provider(organization="Internet of Agents demo"),
        skills=[
            Skill(
                id="answer-from-docs",
                name="Answer from the documentation",
                description=(
                    "Answers a question from the documents with citations; quotes the passages "
                    "verbatim when no language model is available."
                ),
                tags=[
                    "docs",
                    "documentation",
                    "search",
                    "retrieval",
                    "citations",
                    "manual",
                    "protocol",
                    "reference",
                    "question",
                    "lookup",
                ],
                examples=[
                    "How does the envelope carry the trace context?",
                    "What does the unsupported_version error mean?",
                ],
            ),
            *covers,
        ],
        default_output_modes=["text/plain", "application/json"],
        max_concurrent_tasks=4,
    )
