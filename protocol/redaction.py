"""The one place that scrubs secrets from what a process records: log events, span
attributes, error messages.

What is a secret is recognised by its shape, wherever it turns up (a URL, a header, an
exception's text): gateway API keys (``ioa_<id>_<secret>``: the id stays, it names the
key), bearer and basic ``Authorization`` values, JWTs (NATS user credentials), nkey seeds,
OpenAI-style ``sk-…`` keys, the password of a DSN (``postgresql://user:…@host``), and
the values of query parameters and fields whose names say secret (``api_key=``,
``token=``, ``ticket=``, ``password=``, …). :func:`scrub` is applied by
``protocol.telemetry`` to every log event and every span before it leaves the process;
nothing else needs to remember to call it.
"""

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

MASK = "[redacted]"

_SECRET_WORD = (
    r"(?:api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|token|ticket|secret|"
    r"client[_-]?secret|password|passwd|pwd|seed|creds|credentials|authorization|cookie)"
)
SECRET_NAME = re.compile(rf"(?:^|[_.-]){_SECRET_WORD}$|^{_SECRET_WORD}(?:[_.-]|$)", re.I)
"""A field or query parameter so named holds a secret, whatever its value looks like
(``api_key``, ``x-api-key``, ``nats_password``; not ``max_tokens``, a count)."""

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # ioa_<16 hex id>_<secret>: keep the id, which names the key for an operator.
    (re.compile(r"\b(ioa_[0-9a-f]{16})_[A-Za-z0-9_-]{8,}"), rf"\1_{MASK}"),
    # Authorization: Bearer …, Basic …
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {MASK}"),
    # A JWT: three base64url parts, the first two JSON objects ("eyJ").
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), MASK),
    # An nkey seed: S, then the key's type letter, then base32.
    (re.compile(r"\bS[UAONCPX][A-Z2-7]{50,}\b"), MASK),
    # OpenAI-style keys.
    (re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"), MASK),
    # A DSN's password: scheme://user:password@host
    (re.compile(r"([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+(@)", re.IGNORECASE), rf"\1{MASK}\2"),
    # name=value in a query string or a config line, for names that say secret; an API
    # key scrubbed above keeps its id here too.
    (
        re.compile(
            rf"(?i)\b([\w.-]*?{_SECRET_WORD})(=|:\s*|\"\s*:\s*\")"
            rf"(?!(?:ioa_[0-9a-f]{{16}}_)?\[redacted\])[^&\s\"',;}}]+"
        ),
        rf"\1\2{MASK}",
    ),
]


def scrub(text: str) -> str:
    """``text`` with every secret it holds replaced by ``[redacted]``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def scrub_value(value: Any, name: str = "") -> Any:
    """``value`` scrubbed: strings by :func:`scrub`, containers item by item; any value
    of a field whose ``name`` says secret is masked whole."""
    if name and SECRET_NAME.search(name) and value not in (None, "", True, False):
        return MASK
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {k: scrub_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub_value(v) for v in value)
    return value


def scrub_event(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A structlog processor: the event with its secrets scrubbed (after the exception
    is formatted, so a traceback's text is scrubbed too)."""
    return {k: scrub_value(v, k) for k, v in event.items()}
