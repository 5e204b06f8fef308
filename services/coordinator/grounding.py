"""What a conclusion may say: only what the goal and the members' checked results hold.

An LLM's text is a draft, never a fact. A tool's answer (a result whose data carries
``answer`` or ``value``: the calculator, a program run) is a fact, and so is a result
its tool marks ``grounded`` (the docs agent's, checked against its passages). Every figure in a
draft, whether the coordinator's summary or a writer's note, must be found among the
facts (compared as numbers, so ``1,234.50`` is ``1234.5`` and ``12 km`` holds ``12``),
a draft must state the tools' answers unchanged, and it must carry no prompt markup or
filler. A draft that fails is not shown as it is: the coordinator writes the
conclusion from the facts itself, the answer first, then who found it.
"""

from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class Finding:
    """One member's result: a tool's ``answer`` is a fact; text alone is a draft."""

    agent: str
    task: str
    text: str
    answer: str | None = None


def grounded(data: dict[str, object] | None) -> bool:
    """Whether a tool says its text states only what its own sources hold (the docs
    agent checks its model's phrasing against the passages it quotes)."""
    return bool(data) and data.get("grounded") is True  # type: ignore[union-attr]


def answer_of(data: dict[str, object] | None) -> str | None:
    """A tool's one answer: ``data["answer"]``, else ``data["value"]`` (with its unit),
    else None (the result is prose, to be checked like any draft)."""
    if not data:
        return None
    answer = data.get("answer")
    if isinstance(answer, str | int | float) and str(answer).strip():
        return str(answer).strip()
    value = data.get("value")
    if isinstance(value, str | int | float) and str(value).strip():
        unit = data.get("unit")
        return f"{value} {unit}" if isinstance(unit, str) and unit else str(value)
    return None


def compose(
    findings: list[Finding], left_out: list[tuple[Finding, str]], unanswered: list[str]
) -> str:
    """The conclusion written from the facts: the answers first, then who found them,
    then the checked prose, then what was left out or not answered, and why."""
    answers = [f for f in findings if f.answer]
    prose = [f for f in findings if not f.answer]
    blocks: list[str] = []
    if answers:
        blocks.append("Answer: " + "; ".join(str(f.answer) for f in answers))
        blocks.append("\n".join(f"Found by {f.agent}: {_one_line(f.text)}" for f in answers))
    blocks += [f"From {f.agent}:\n{f.text.strip()}" for f in prose]
    if left_out:
        blocks.append(
            "\n".join(f"Left out: what {f.agent} wrote, because {why}." for f, why in left_out)
        )
    if unanswered:
        blocks.append("\n".join(f"Not answered: {part}" for part in unanswered))
    return "\n\n".join(blocks) or "The team found no answer it could check."


def _one_line(text: str, limit: int = 400) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
