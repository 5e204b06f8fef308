"""Identifiers that are safe to put into a NATS subject token.

Ids never contain dots, wildcards or whitespace, so a subject built from them
always has the shape the catalogue promises. A person speaking through the
gateway is an agent id of the form ``user:<id>``.
"""

import re
from typing import Annotated

from pydantic import StringConstraints
from ulid import ULID

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_:-]{0,127}$"
_ID_RE = re.compile(ID_PATTERN)

Id = Annotated[str, StringConstraints(max_length=128, pattern=ID_PATTERN)]
"""A subject-safe id: letters, digits, ``_``, ``-`` and ``:``; 1 to 128 characters."""


PERSON_PREFIX = "user:"


def is_person(agent: str) -> bool:
    """Whether ``agent`` is a person speaking through the gateway (``user:<id>``)."""
    return agent.startswith(PERSON_PREFIX)


def new_id() -> str:
    """A new unique, time-ordered id (a ULID)."""
    return str(ULID())


def is_valid_id(value: str) -> bool:
    # fullmatch: with match, "$" also matches before a trailing newline ("a\n" passed).
    return _ID_RE.fullmatch(value) is not None


def check_id(value: str, what: str = "id") -> str:
    """Return ``value`` if it is subject-safe, else raise :class:`ValueError`."""
    if not is_valid_id(value):
        raise ValueError(f"{what} {value!r} is not subject-safe (letters, digits, _ - :)")
    return value
