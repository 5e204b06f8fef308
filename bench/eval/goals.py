"""The evaluation's goals (``tests/data/goals.json``): what a user asks and what a
correct answer must contain, read and checked, then chosen by family and number."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.eval.units import unit_named

ROOT = Path(__file__).resolve().parents[2]
GOALS_FILE = ROOT / "tests" / "data" / "goals.json"
DOCS_FOLDER = ROOT / "tests" / "data" / "eval_docs"
FAMILIES = ("arithmetic", "computation", "documents", "multistep")


class GoalsFileError(ValueError):
    """The goals file cannot be used; the message names the goal and what to fix."""


@dataclass(frozen=True, slots=True)
class Expect:
    """What a correct answer contains: a figure (``number``, within ``tolerance``, in
    ``unit`` when the answer gives one) or words (one of ``any_of``, none of
    ``none_of``); ``written``: a written part besides the figure."""

    number: str | None = None
    tolerance: float = 0.0
    unit: str | None = None
    any_of: tuple[str, ...] = ()
    none_of: tuple[str, ...] = ()
    written: bool = False


@dataclass(frozen=True, slots=True)
class Goal:
    id: str
    family: str
    goal: str
    expect: Expect = field(default_factory=Expect)


def _expect(where: str, data: dict[str, Any]) -> Expect:
    known = set(Expect.__dataclass_fields__)
    if unknown := set(data) - known:
        raise GoalsFileError(f"{where}: unknown expect keys {sorted(unknown)}; use {sorted(known)}")
    expect = Expect(
        number=str(data["number"]) if "number" in data else None,
        tolerance=float(data.get("tolerance", 0.0)),
        unit=data.get("unit"),
        any_of=tuple(data.get("any_of", ())),
        none_of=tuple(data.get("none_of", ())),
        written=bool(data.get("written", False)),
    )
    if (expect.number is None) == (not expect.any_of):
        raise GoalsFileError(f"{where}: expect needs exactly one of 'number' and 'any_of'")
    if expect.number is not None:
        try:
            float(expect.number.replace(",", ""))
        except ValueError:
            raise GoalsFileError(f"{where}: 'number' {expect.number!r} is not a number") from None
    if expect.unit is not None:
        try:
            unit_named(expect.unit)
        except KeyError as exc:
            raise GoalsFileError(f"{where}: {exc.args[0]}") from None
    return expect


def load(path: Path = GOALS_FILE) -> list[Goal]:
    """Every goal of ``path``, checked; :class:`GoalsFileError` says what is wrong."""
    try:
        rows = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise GoalsFileError(f"cannot read the goals file {path}: {exc}") from None
    if not isinstance(rows, list):
        raise GoalsFileError(f"{path}: expected a JSON list of goals")
    goals: list[Goal] = []
    for i, row in enumerate(rows):
        where = (
            f"{path.name} goal {i} ({row.get('id', 'no id') if isinstance(row, dict) else row!r})"
        )
        if not isinstance(row, dict) or not {"id", "family", "goal", "expect"} <= set(row):
            raise GoalsFileError(f"{where}: each goal needs 'id', 'family', 'goal' and 'expect'")
        goals.append(
            Goal(
                str(row["id"]), str(row["family"]), str(row["goal"]), _expect(where, row["expect"])
            )
        )
    ids = [g.id for g in goals]
    if dupes := sorted({i for i in ids if ids.count(i) > 1}):
        raise GoalsFileError(f"{path}: goal ids must be unique; repeated: {dupes}")
    return goals


def select(
    goals: Sequence[Goal], families: Sequence[str] = (), limit: int | None = None
) -> list[Goal]:
    """The goals of ``families`` (all when empty), taken in turn from each family so that
    ``limit`` spreads over them: ``--limit 8`` over four families is two of each."""
    chosen = [g for g in goals if not families or g.family in families]
    if limit is None:
        return chosen
    by_family: dict[str, list[Goal]] = {}
    for g in chosen:
        by_family.setdefault(g.family, []).append(g)
    spread = [
        queue[i]
        for i in range(max((len(q) for q in by_family.values()), default=0))
        for queue in by_family.values()
        if i < len(queue)
    ]
    return spread[:limit]
