"""The chaos report: one line per fault round with its counts, printed at the end of the
run (``make chaos``, and the short form in ``make test``)."""

from collections import Counter
from dataclasses import dataclass, field

from tests.chaos.audit import Audit


@dataclass
class Round:
    fault: str
    conversations: int
    ended: Counter[str] = field(default_factory=Counter)
    """Final states of the round's conversations."""
    audit: Audit = field(default_factory=Audit)
    refused: int = 0
    """Client calls that got no answer while the fault lasted (tried again)."""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.audit.problems and not self.audit.missing


ROUNDS: list[Round] = []
"""Every round of this test run, in order (the conftest prints them)."""

COLUMNS = (
    ("fault", 12),
    ("conv", 5),
    ("concluded", 9),
    ("accepted", 8),
    ("acked", 6),
    ("delivered", 9),
    ("dup suppr.", 10),
    ("redone", 6),
    ("lost", 5),
    ("problems", 8),
    ("refused", 7),
    ("seconds", 7),
)


def table(rounds: list[Round]) -> str:
    def row(values: list[object]) -> str:
        return "  ".join(
            f"{v!s:<{w}}" if i == 0 else f"{v!s:>{w}}"
            for i, ((_, w), v) in enumerate(zip(COLUMNS, values, strict=True))
        )

    lines = [row([name for name, _ in COLUMNS])]
    for r in rounds:
        c = r.audit.counts
        lines.append(
            row(
                [
                    r.fault,
                    r.conversations,
                    r.ended["concluded"],
                    c.accepted,
                    c.acked_seen,
                    c.delivered,
                    c.duplicates_suppressed,
                    c.redone,
                    c.lost,
                    len(r.audit.problems),
                    r.refused,
                    f"{r.seconds:.0f}",
                ]
            )
        )
    return "\n".join(lines)


LEGEND = """\
accepted: messages in the round's group logs; acked: of those, posts whose answer the
clients saw; delivered: (message, member) pairs in the inbox once and handled; dup suppr.:
posts answered as duplicates plus redeliveries a member skipped; redone: work a SIGKILLed
member had finished but not recorded, done again (stored once); lost: acknowledged but not
stored, or stored but not delivered and handled (must be 0); refused: client calls the
fault left unanswered (tried again)."""


def details(rounds: list[Round]) -> str:
    """What went wrong in the failed rounds, and what was redone (the first few of each)."""
    out = []
    for r in rounds:
        if r.passed and not r.audit.redone:
            continue
        out.append(f"{r.fault}:")
        out += [f"  lost: {m}" for m in r.audit.missing[:10]]
        out += [f"  problem: {p}" for p in r.audit.problems[:10]]
        out += [f"  redone: {w}" for w in r.audit.redone[:10]]
    return "\n".join(out)
