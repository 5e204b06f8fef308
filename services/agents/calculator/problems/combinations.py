"""The search of the quantity reasoner: every way to combine all the amounts of a word
problem into an answer of the asked dimension.

Combinations are built from the smallest up (one per set of amounts and value), and only
the ones people make are kept: an amount is divided only by an amount as given, a
division makes a rate only when a rate is asked, no step passes through a product of two
things ("$27600 days"), a bare ratio or things per dollar; a sum needs words that say so
(a term named "plus" or a fee, or "in total"), a difference too ("less", "what is left");
a percentage works on money, as its mode says (added, taken off, or the part itself).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from services.agents.calculator.arithmetic import DIVIDED, TIMES, format_number
from services.agents.calculator.problems.goals import Goal
from services.agents.calculator.problems.measures import Dims, product
from services.agents.calculator.problems.quantities import Quantities
from services.agents.calculator.problems.reading import CURRENCY


@dataclass(frozen=True, slots=True)
class Leaf:
    """A quantity as the search uses it: an amount, or a percentage with its mode."""

    value: Fraction
    dims: Dims
    mode: str
    """For a percentage (``value`` is its rate): "add", "sub" or "part"; "" for an amount."""
    mark: str
    """ "plus" or "less": to be added to, or taken from, another amount."""
    start: int
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Node:
    """A combination of leaves: its value and dimension, and how it was made."""

    value: Fraction
    dims: Dims
    leaves: int
    open: int
    cost: int
    start: int
    op: str = ""
    parts: tuple["Node", ...] = ()
    leaf: Leaf | None = None

    @property
    def rank(self) -> tuple[int, tuple[int, ...]]:
        """Fewer awkward steps first, then the amounts in the order the text names them."""
        return self.cost, self.order

    @property
    def order(self) -> tuple[int, ...]:
        if self.leaf is not None:
            return (self.start,)
        return tuple(i for part in self.parts for i in part.order)


def search(leaves: list[Leaf], goal: Goal) -> list[Node]:
    """Every combination of all the leaves with a dimension the goal asks for, one per
    value (the best worded), each sum of "plus" terms made and each "less" taken."""
    n = len(leaves)
    table: dict[int, dict[tuple[Fraction, Dims, int], Node]] = {}
    for i, leaf in enumerate(leaves):
        bit = 1 << i
        node = Node(
            leaf.value,
            leaf.dims,
            bit,
            bit if leaf.mark else 0,
            0,
            leaf.start,
            leaf=leaf,
        )
        table[bit] = {(node.value, node.dims, node.open): node}
    full = (1 << n) - 1
    for mask in sorted(range(1, full + 1), key=lambda m: bin(m).count("1")):
        if mask & (mask - 1) == 0:
            continue
        found: dict[tuple[Fraction, Dims, int], Node] = {}
        sub = (mask - 1) & mask
        while sub:
            for a in table.get(sub, {}).values():
                for b in table.get(mask ^ sub, {}).values():
                    for node in _combine(a, b, n, leaves, goal):
                        key = (node.value, node.dims, node.open)
                        if key not in found or node.rank < found[key].rank:
                            found[key] = node
            sub = (sub - 1) & mask
        table[mask] = found
    return [
        node for node in table.get(full, {}).values() if node.open == 0 and node.dims in goal.dims
    ]


def _combine(a: Node, b: Node, n: int, leaves: list[Leaf], goal: Goal) -> Iterator[Node]:
    mask = a.leaves | b.leaves
    depth = n - bin(mask).count("1")
    start = min(a.start, b.start)
    if a.leaf is not None and a.leaf.mode:
        if (b.leaf is not None and b.leaf.mode) or not is_money(b.dims):
            return
        leaf = a.leaf
        rate = leaf.value / 100
        factor = {"add": 1 + rate, "sub": 1 - rate, "part": rate}[leaf.mode]
        dims = product(b.dims, leaf.dims)
        if dims is not None:
            yield Node(
                b.value * factor,
                dims,
                mask,
                b.open,
                a.cost + b.cost + depth,
                start,
                "%",
                (a, b),
            )
        return
    if b.leaf is not None and b.leaf.mode:
        return
    cost = a.cost + b.cost
    dims = product(a.dims, b.dims)
    if a.leaves < b.leaves and dims is not None and not _awkward(dims):
        yield Node(
            a.value * b.value,
            dims,
            mask,
            a.open | b.open,
            cost,
            start,
            TIMES,
            _ordered(a, b),
        )
    # Divided only by an amount as given: a / (b * c) is a / b / c, and a divisor worked
    # out of other amounts ("$6 / $46 per bag") is how unrelated amounts cancel out.
    if b.leaf is not None and b.value:
        dims = product(a.dims, b.dims, -1)
        if dims is not None and not _awkward(dims) and _asked_rate(a.dims, dims, goal):
            yield Node(
                a.value / b.value,
                dims,
                mask,
                a.open | b.open,
                cost + 2 * depth,
                start,
                DIVIDED,
                (a, b),
            )
    if a.dims != b.dims or not a.dims:
        return
    opened = a.open | b.open
    plus = _marked(opened, leaves, "plus")
    if a.leaves < b.leaves and (plus or goal.adds):
        yield Node(
            a.value + b.value,
            a.dims,
            mask,
            opened & ~plus,
            cost + depth,
            start,
            "+",
            _ordered(a, b),
        )
    less = _marked(b.open, leaves, "less")
    if (less or goal.left) and a.value >= b.value and b.op != "-":
        yield Node(
            a.value - b.value,
            a.dims,
            mask,
            opened & ~less,
            cost + depth,
            start,
            "-",
            (a, b),
        )


def _marked(mask: int, leaves: list[Leaf], mark: str) -> int:
    """The leaves of ``mask`` marked ``mark``: one sum adds all the terms named "plus"."""
    return sum(1 << i for i in range(mask.bit_length()) if mask >> i & 1 and leaves[i].mark == mark)


def _asked_rate(before: Dims, after: Dims, goal: Goal) -> bool:
    """Whether a division makes only a rate the question asks for: $1248 ÷ 8 instalments
    when each instalment is asked; not "$15 ÷ 5 books" on the way to a total."""
    made = {b for b, p in after if p < 0} - {b for b, p in before if p < 0}
    asked = {b for dims in goal.dims for b, p in dims if p < 0}
    return made <= asked


def _awkward(dims: Dims) -> bool:
    """A product of two things ("$27600 days", "$12 bags"), a plain ratio of two or a
    bare "46/15 per book", or things per dollar ("1/3 bags per $"): no everyday quantity,
    and never needed, since the amounts can be taken in another order (a percent change
    has its own reading)."""
    tops = sum(1 for _, p in dims if p > 0)
    return tops != 1 or any(b in CURRENCY and p < 0 for b, p in dims)


def _ordered(a: Node, b: Node) -> tuple[Node, Node]:
    return (a, b) if a.start <= b.start else (b, a)


def is_money(dims: Dims) -> bool:
    """Whether ``dims`` is money (per something, perhaps)."""
    return any(base in CURRENCY and p == 1 for base, p in dims)


def steps(node: Node, found: Quantities) -> list[str]:
    """The working of a combination, one step per operation: "3 lamps x $45 per lamp = $135"."""
    if node.leaf is not None:
        return list(node.leaf.notes)
    done = [s for part in node.parts for s in steps(part, found)]
    show = found.show
    if node.op == "%":
        percent, base = node.parts
        assert percent.leaf is not None
        leaf = percent.leaf
        rate = f"{format_number(leaf.value)}%" + "".join(
            f" per {found.names.get(b, b)}" for b, _ in leaf.dims
        )
        if leaf.mode == "part":
            done.append(f"{rate} of {show(base.value, base.dims)} = {show(node.value, node.dims)}")
        else:
            part = base.value * leaf.value / 100
            sign = "+" if leaf.mode == "add" else "-"
            done.append(f"{rate} of {show(base.value, base.dims)} = {show(part, base.dims)}")
            done.append(
                f"{show(base.value, base.dims)} {sign} {show(part, base.dims)} = "
                f"{show(node.value, node.dims)}"
            )
        return done
    a, b = node.parts
    done.append(
        f"{show(a.value, a.dims)} {node.op} {show(b.value, b.dims)} = {show(node.value, node.dims)}"
    )
    return done
