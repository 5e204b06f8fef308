"""The generated sections of ``docs/protocol.md``: subjects, kinds, a conversation, errors.

The prose around them is written by hand; each generated section sits between
``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->`` and is rewritten by
``python -m protocol.catalogue write``.
"""

import json
import re
from collections.abc import Callable
from typing import Any

from protocol.catalogue.examples import conversation, example
from protocol.catalogue.surface import DELIVERIES, OPERATIONS
from protocol.errors import ErrorCode
from protocol.kinds import GROUP_KINDS, KINDS
from protocol.subjects import DEFAULT_ROOT

ERROR_USES: dict[ErrorCode, str] = {
    ErrorCode.INVALID_MESSAGE: "The message is not UTF-8, not JSON (including arrays or "
    "objects nested too deeply to read, and a lone surrogate escape such as `\\ud800`, which "
    "is no text), not an object, has an unknown `type`, a missing or ill-typed required "
    "field, an id that is not subject-safe, or a body kind the operation does not take.",
    ErrorCode.UNSUPPORTED_VERSION: "`protocol` names another major version than `ioa/1`.",
    ErrorCode.NOT_A_MEMBER: "An observer of a group posts to it, leaves it or asks what "
    "waits there for its answer (only members do); one who is neither member, observer nor "
    "creator gets the `not_found` of a group id nobody has.",
    ErrorCode.FORBIDDEN: "The envelope's `sender` differs from the subject's `{agent}` token; "
    "registering another agent's card; closing a group one did not create; posting to a closed "
    "group.",
    ErrorCode.NOT_FOUND: "No such operation, agent, group or conversation (a group or "
    "conversation the sender may not see gets word for word the same); a heartbeat before "
    "register (register again).",
    ErrorCode.CONFLICT: "A concurrent change won (e.g. a compare-and-set revision moved); retry.",
    ErrorCode.TOO_LARGE: "The message is larger than the size limit (256 KiB by default).",
    ErrorCode.RATE_LIMITED: "The sender sends faster than it is allowed to, or the service "
    "has as many requests in hand as it takes at once (it sheds the rest unread); retry the "
    "same request later.",
    ErrorCode.BUDGET_SPENT: "A group's turn budget is spent (its conversation's `max_turns`): "
    "a member's `chat_message` is refused until the group is given turns again "
    "(`set_turns`, e.g. a follow-up goal); do not retry it.",
    ErrorCode.TIMEOUT: "The service did not answer in time (raised by the requester's client).",
    ErrorCode.UNAVAILABLE: "No service is subscribed (NATS 'no responders'; raised by the "
    "requester's client), or the service could not reach NATS or JetStream in time to handle "
    "the request; retry it.",
    ErrorCode.INTERNAL: "The service failed; its log says why. Also any error code a peer "
    "does not know.",
}
"""When each error code is used; the specification lists them all."""

MARK = re.compile(r"(<!-- generated:(\w+) -->\n)(.*?)(<!-- /generated:\2 -->)", re.S)


def _json(document: Any) -> str:
    return "```json\n" + json.dumps(document, indent=2, ensure_ascii=False) + "\n```\n"


def subjects_section() -> str:
    r = DEFAULT_ROOT
    lines = [
        "| subject | carries | answered with | what for |",
        "|---|---|---|---|",
    ]
    for op in OPERATIONS:
        takes = ", ".join(f"`{k}`" for k in op.takes)
        returns = ", ".join(f"`{k}`" for k in op.returns)
        lines.append(
            f"| `{r}.from.{{agent}}.{op.service}.{op.op}` | {takes} | {returns} or `error` "
            f"| {op.summary} |"
        )
    lines += [
        "",
        "| subject | carries | published by | read by | what for |",
        "|---|---|---|---|---|",
    ]
    for d in DELIVERIES:
        carries = ", ".join(f"`{k}`" for k in d.carries)
        lines.append(
            f"| `{r}.{d.address}` | {carries} | {d.publisher} | {d.subscribers} | {d.summary} |"
        )
    return "\n".join(lines) + "\n"


def kinds_section() -> str:
    out: list[str] = []
    for kind in sorted(KINDS):
        model = KINDS[kind]
        doc = " ".join((model.__doc__ or "").split())
        where = " May be posted to a group." if kind in GROUP_KINDS else ""
        out.append(
            f"#### `{kind}`\n\n{doc}{where} Schema: "
            f"[`{kind}.json`](../protocol/schemas/ioa-1/{kind}.json).\n"
        )
        out.append(_json(example(kind).to_dict()))
    return "\n".join(out)


def conversation_section() -> str:
    out: list[str] = []
    for n, step in enumerate(conversation(), start=1):
        out.append(f"{n}. {step.says} Subject: `{step.subject}`\n")
        out.append(_json(step.envelope.to_dict()))
    return "\n".join(out)


def errors_section() -> str:
    lines = ["| code | used when |", "|---|---|"]
    lines += [f"| `{code.value}` | {ERROR_USES[code]} |" for code in ErrorCode]
    return "\n".join(lines) + "\n"


SECTIONS: dict[str, Callable[[], str]] = {
    "subjects": subjects_section,
    "kinds": kinds_section,
    "conversation": conversation_section,
    "errors": errors_section,
}


def render(text: str) -> str:
    """``text`` with every generated section rewritten from the code."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in SECTIONS:
            raise KeyError(f"docs/protocol.md has an unknown generated section {name!r}")
        return match.group(1) + SECTIONS[name]() + match.group(4)

    return MARK.sub(fill, text)
