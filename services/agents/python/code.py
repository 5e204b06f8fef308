"""Find the program in a task: ``inputs["code"]``, or a ```python block in the text."""

import re
from typing import Any

MAX_CODE_CHARS = 100_000
_BLOCK = re.compile(r"```(?:python|py|python3)[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)
_BARE_BLOCK = re.compile(r"```[ \t]*\n(.*?)```", re.DOTALL)


class NoCode(ValueError):
    """The task holds no Python program (or one that is too long)."""


class CodeAbsent(NoCode):
    """The task gives no code at all: a routine or the model may still answer it."""


def find_code(text: str, inputs: dict[str, Any] | None = None) -> str:
    """The program to run; :class:`NoCode` says why there is none."""
    given = (inputs or {}).get("code")
    if given is not None and not isinstance(given, str):
        raise NoCode("inputs.code must be a string of Python source")
    code = given if given and given.strip() else None
    if code is None:
        blocks = _BLOCK.findall(text) or _BARE_BLOCK.findall(text)
        code = "\n".join(blocks) if blocks else None
    if code is None or not code.strip():
        raise CodeAbsent(
            "no Python code found: give it in inputs.code or in a ```python fenced block"
        )
    if len(code) > MAX_CODE_CHARS:
        raise NoCode(f"the code has {len(code)} characters; the limit is {MAX_CODE_CHARS}")
    return code
