"""The docs agent's card."""

from pathlib import Path

from protocol.kinds import AgentCard, Provider, Skill

VERSION = "0.1.0"


def docs_card(agent_id: str, folder: Path) -> AgentCard:
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
            )
        ],
        default_output_modes=["text/plain", "application/json"],
        max_concurrent_tasks=4,
    )
