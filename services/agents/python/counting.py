"""Counting asked in words: choosing k of n, arranging n things, and the arrangements of
the letters of a word.

Like the other routines, a pattern must match the whole (normalized) question: a
condition the patterns do not read ("with repetition", "if the vowels stay together",
"a president and a treasurer") leaves the question unrecognized, never misread. Whether
order counts is read from the verb (choose, arrange) or said outright ("order matters").
"""

import re

import sympy
from sympy.functions.combinatorial.numbers import nP

from services.agents.python.integers import MAX_DIGITS
from services.agents.python.phrases import (
    NUM,
    PLAIN,
    Answer,
    Recognizers,
    alternatives,
    by_sympy,
    number,
)

MAX_WORD = 100
"""Longest word whose arrangements are counted."""


_COLLECTIVE = (
    "pairs|couples|groups|teams|sets|committees|times|dozens|hundreds|thousands|kinds|types"
    "|ways|rows|boxes of|bags of"
)
NOUN = rf"(?:people|persons|men|women|children|(?!(?:{_COLLECTIVE})\b)[a-z]+s)"
"""What is counted ("people", "books", "candidates"): a plural, but no collective ("pairs")."""
SUBJECT = r"(?:you|one|we|i|they|he|she|someone|somebody|(?:a|an|the) [a-z]+)"
PICK = alternatives("choose", "pick", "select", "form", "make", "draw", "take", "elect", "get")
PICKED = alternatives(
    "chosen", "picked", "selected", "formed", "made", "drawn", "taken", "elected", "appointed",
    "dealt",
)  # fmt: skip
GROUP = alternatives(
    "committee", "team", "group", "panel", "board", "squad", "subset", "sample", "selection",
    "hand", "delegation", "jury", "crew", "party", "set", "combination", "collection", "council",
)  # fmt: skip
GROUPS = alternatives(*(f"{g}s" for g in GROUP.split("|")), "juries", "parties")
POOL = alternatives(
    "group", "set", "class", "team", "pool", "total", "list", "collection", "panel", "club",
    "committee", "bag", "box", "shelf", "deck", "field", "staff", "choice", "menu", "selection",
)  # fmt: skip
WAYS = (
    r"(?:in )?(?:how many|the number of|number of) (?:different |distinct |possible |unique )?"
    r"(?:ways|combinations|selections|choices)"
)
ORDER = (
    r"(?:,? \(?(?:if |when |where |assuming |given that |and )?(?:the )?order "
    r"(?:(?P<ordered>matters|is important|counts)"
    r"|(?P<unordered>does not matter|doesn't matter|is not important|is unimportant"
    r"|is irrelevant|does not count|doesn't count))\)?)?"
)
"""What the question says of order; unsaid, the verb decides (choose: no, arrange: yes)."""
K = rf"(?:(?:a|an) (?:{GROUP}) of )?(?P<k>{NUM})(?: (?:different |distinct )?{NOUN})?"
N = rf"(?:(?:a|an|the) (?:{POOL}) of )?(?P<n>{NUM})(?: (?:different |distinct )?{NOUN})?"
FROM = r"(?:from|out of|of|among|amongst)"
CAN = rf"(?:(?:can|could|may|might|will|would) {SUBJECT} |{SUBJECT} can |for {SUBJECT} )?"
THEM = r"(?: of them| from them| from among them| out of them)?"
HAVING = (
    rf"(?:there are|there is|we have|you have|i have|they have|given|with|if there are"
    rf"|(?:a|an|the) [a-z]+ (?:has|have|contains|of)) {N}"
    rf"(?: in (?:a|an|the) [a-z]+| to choose from| available)?(?:[.,;:] | and )"
)
"""A sentence before the question that says how many there are to choose from."""
HOW_MANY = r"(?:(?:the )?number of |how many (?:different |distinct |possible )?)?"
THERE = r"(?: are there| are possible| exist)?"
_KNOWN = Recognizers()
recognizes = _KNOWN.recognizes


def answer(text: str) -> Answer | None:
    """The count a normalized question asks for, or None when no pattern reads all of it."""
    return _KNOWN.answer(text)


@recognizes(
    rf"how many (?:different |distinct |possible )?subsets (?:does|do|can) (?:a|an|the) set "
    rf"(?:of|with) (?P<n>{NUM}) (?:distinct |different )?(?:elements|members|items|objects) "
    r"(?:have|form)",
    rf"(?:the )?number of subsets of (?:a|an|the) set (?:of|with) (?P<n>{NUM}) (?:distinct )?"
    r"(?:elements|members|items|objects)",
)
def subsets(m: re.Match[str]) -> Answer | None:
    n = number(m["n"])
    if n is None or n > 10_000:
        return None
    count = 2**n
    said = f"A set of {n} elements has {count} subsets (2^{n}, the empty set and itself included)."
    return by_sympy(count, said, "subsets")


HANDSHAKE = rf"(?P<n>{NUM}) (?:people|persons|guests|players|friends|students|delegates)"
SHAKE = (
    r"(?:each )?shakes? hands? (?:exactly )?once with (?:each other|one another|everyone else"
    r"|every other person|all the others|each of the others)"
    r"|(?:each )?shakes? hands? with (?:each other|one another|everyone else|every other person"
    r"|all the others|each of the others)(?: exactly)? once"
)


@recognizes(
    rf"(?:if |when )?{HANDSHAKE} (?:{SHAKE}),? how many handshakes (?:are there|take place|occur"
    r"|happen|are made|will there be|is that)",
    rf"how many handshakes (?:are there |take place |occur |happen |are made )?(?:if|when) "
    rf"{HANDSHAKE} (?:{SHAKE})",
)
def handshakes(m: re.Match[str]) -> Answer | None:
    n = number(m["n"])
    if n is None or n > 10**6:
        return None
    count = n * (n - 1) // 2
    said = f"{n} people shaking hands once with each other make {count} handshakes ({n} choose 2)."
    return by_sympy(count, said, "binomial")


@recognizes(
    rf"(?P<n>{NUM}) choose (?P<k>{NUM})",
    rf"(?:c|ncr|binomial)\((?P<n>{PLAIN}), ?(?P<k>{PLAIN})\)",
    rf"(?P<n>{PLAIN})c(?P<k>{PLAIN})",
    rf"(?:binomial coefficient|binomial) (?P<n>{NUM}) (?:choose|over) (?P<k>{NUM})",
    # "how many ways can you choose 3 of 10 people", "the number of ways to pick 2 from 8"
    rf"{WAYS} (?:are there |is it possible |exist )?{CAN}(?:to )?(?:{PICK}) {K} {FROM} {N}{ORDER}",
    # "in how many ways can a committee of 3 people be chosen from 10 people"
    rf"{WAYS} (?:can|could|may|might) {K} be (?:{PICKED}) {FROM} {N}{ORDER}",
    # "from a group of 10 people, in how many ways can you choose 3"
    rf"{FROM} {N},? {WAYS} (?:are there )?{CAN}(?:to )?(?:{PICK}) {K}{THEM}{ORDER}",
    rf"{FROM} {N},? {WAYS} (?:can|could|may|might) {K}{THEM} be (?:{PICKED}){ORDER}",
    # "there are 10 people in a club. how many ways can a committee of 3 be chosen"
    rf"{HAVING}{WAYS} (?:are there )?{CAN}(?:to )?(?:{PICK}) {K}{THEM}{ORDER}",
    rf"{HAVING}{WAYS} (?:can|could|may|might) {K}{THEM} be (?:{PICKED}){ORDER}",
    # "how many committees of 3 can be formed from 10 people", "how many 3-person teams …"
    rf"how many (?:different |distinct |possible )?(?:{GROUPS}) of (?P<k>{NUM})"
    rf"(?: (?:different )?{NOUN})? (?:can be (?:{PICKED})|(?:can|could) {SUBJECT} (?:{PICK})"
    rf"|are (?:there|possible)) {FROM} {N}{ORDER}",
    rf"how many (?:different |distinct |possible )?(?P<k>{NUM})[- ](?:[a-z]+) (?:{GROUPS}) "
    rf"(?:can be (?:{PICKED})|(?:can|could) {SUBJECT} (?:{PICK})|are (?:there|possible)) "
    rf"{FROM} {N}{ORDER}",
    rf"how many (?:different |distinct )?subsets (?:of size |with )(?P<k>{NUM})(?: elements)? "
    rf"(?:does|do|can) (?:a|an|the) set (?:of|with) (?P<n>{NUM}) elements (?:have|form)",
    rf"{HOW_MANY}combinations of (?P<n>{NUM}) (?:{NOUN} )?taken (?P<k>{NUM}) at a time{THERE}",
    rf"how many (?:different |distinct |possible )?(?P<k>{NUM})-card hands (?:can be (?:{PICKED})"
    rf"|are (?:there|possible)) (?:from|out of) (?:a|an|the) (?:standard )?(?P<n>{NUM})-card deck",
)
def combinations(m: re.Match[str]) -> Answer | None:
    n, k = number(m["n"]), number(m["k"])
    if n is None or k is None or k > n or n > 10**5:
        return None
    if m.groupdict().get("ordered"):
        return _arrangements(n, k)
    ways = sympy.binomial(n, k)
    if len(str(ways)) > MAX_DIGITS:
        return None
    return by_sympy(
        ways, f"There are {ways} ways to choose {k} of {n} ({n} choose {k}).", "binomial"
    )


ARRANGE = alternatives("arrange", "order", "line up", "seat", "permute", "rearrange")
ARRANGED = alternatives("arranged", "ordered", "lined up", "seated", "permuted", "placed")
ROW = r"(?: in (?:a|one) (?:row|line|queue)| on (?:a|the|one) shelf| in order)?"


@recognizes(
    rf"{HOW_MANY}permutations of (?P<n>{NUM}) (?:{NOUN} )?taken (?P<k>{NUM}) at a time{THERE}",
    rf"(?P<n>{PLAIN})p(?P<k>{PLAIN})|(?:p|npr)\((?P<n2>{PLAIN}), ?(?P<k2>{PLAIN})\)",
    # "how many ways can you arrange 5 books (on a shelf)", "… arrange 3 of 7 books"
    rf"{WAYS} (?:are there )?{CAN}(?:to )?(?:{ARRANGE}) (?:(?P<k>{NUM}) (?:of|out of) )?"
    rf"(?P<n>{NUM}) (?:distinct |different )?{NOUN}{ROW}",
    # "in how many ways can 6 people be seated in a row", "… can 6 people line up"
    rf"{WAYS} (?:can|could) (?P<n>{NUM}) (?:distinct |different )?{NOUN} "
    rf"(?:be (?:{ARRANGED})|line up|stand in (?:a )?(?:row|line|queue)|sit in (?:a )?row){ROW}",
    rf"{HOW_MANY}(?:ways to arrange|arrangements of|permutations of|orderings of) "
    rf"(?P<n>{NUM}) (?:distinct |different )?{NOUN}{ROW}{THERE}",
)
def permutations(m: re.Match[str]) -> Answer | None:
    groups = m.groupdict()
    n = number(groups.get("n") or groups.get("n2") or "")
    k_text = groups.get("k") or groups.get("k2")
    k = number(k_text) if k_text else n
    if n is None or k is None or k > n or n > 1400:
        return None
    return _arrangements(n, k)


def _arrangements(n: int, k: int) -> Answer | None:
    ways = sympy.ff(n, k)
    if len(str(ways)) > MAX_DIGITS:
        return None
    return by_sympy(ways, f"There are {ways} ordered arrangements of {k} of {n}.", "permutations")


WORD = r"(?:the (?:word|name|string) )?(?P<q>[\"']?)(?P<w>[a-z]+)(?P=q)"
LETTERS = rf"(?:all )?(?:of )?(?:the )?letters (?:of|in|from) {WORD}"
MANY = r"(?:in )?(?:how many|the number of|number of) (?:different |distinct |unique |possible )?"
KINDS = r"(?:arrangements|permutations|orderings|anagrams|rearrangements)"
STRINGS = r"(?:words|strings|sequences|codes|letter arrangements)"
POSSIBLE = (
    r"(?: are there| are possible| can be (?:made|formed|written|created)| exist| can you make"
    r"| can one make| can be obtained)?"
)
MADE = r"(?:can be |could be )?(?:made|formed|written|created|obtained|spelled)"


@recognizes(
    # "how many different arrangements are there of the letters of the word letters"
    rf"{MANY}{KINDS}{POSSIBLE} (?:of|from|using|with) {LETTERS}{POSSIBLE}",
    rf"{MANY}{KINDS} of (?:the word |the name )(?P<q2>[\"']?)(?P<w2>[a-z]+)(?P=q2){POSSIBLE}",
    rf"{MANY}{KINDS} of (?P<q3>[\"'])(?P<w3>[a-z]+)(?P=q3){POSSIBLE}",
    rf"{MANY}{KINDS} (?:does|do|can) (?:the word |the name )?(?P<q4>[\"']?)(?P<w4>[a-z]+)(?P=q4)"
    r" (?:have|make|form|give)",
    # "in how many ways can the letters of the word banana be arranged"
    rf"{MANY}ways (?:can|could) {LETTERS} be (?:{ARRANGED}|rearranged)",
    rf"{MANY}ways (?:are there )?{CAN}(?:to )?(?:arrange|rearrange|order|permute) {LETTERS}",
    # "how many different words can be formed using all the letters of the word letters"
    rf"{MANY}{STRINGS} {MADE} (?:by (?:re)?arranging|from|using|with|out of) "
    rf"(?P<all>all )(?:of )?(?:the )?letters (?:of|in|from) {WORD}",
    rf"{MANY}{STRINGS} {MADE} (?:by (?:re)?arranging|from|using|with|out of) "
    rf"(?:(?P<all>all )(?:of )?)?(?:the )?letters (?:of|in|from) {WORD}(?P<each>,? "
    rf"(?:using|with) (?:each|every|all (?:of )?the) letters?(?: exactly)? once)",
)
def letter_arrangements(m: re.Match[str]) -> Answer | None:
    groups = m.groupdict()
    word = groups.get("w") or groups.get("w2") or groups.get("w3") or groups.get("w4") or ""
    if not 1 <= len(word) <= MAX_WORD:
        return None
    ways = nP(word, len(word))
    if len(str(ways)) > MAX_DIGITS:
        return None
    repeated = len(set(word)) < len(word)
    how = (
        f" (repeated letters give the same arrangement: {len(word)}! divided by the "
        "factorial of each letter's count)"
        if repeated
        else f" ({len(word)}!)"
    )
    sentence = f"The letters of {word.upper()} have {ways} different arrangements{how}."
    return by_sympy(ways, sentence, "arrangements of a multiset")
