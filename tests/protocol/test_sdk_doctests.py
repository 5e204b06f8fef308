"""The SDK's docstring examples run and say what they show (``doctest`` on every module)."""

import doctest
import importlib
import pkgutil

import pytest

import protocol

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(protocol.__path__, "protocol.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_of_each_module_hold(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_the_agent_and_envelope_modules_have_runnable_examples() -> None:
    attempted = sum(
        doctest.testmod(importlib.import_module(f"protocol.{name}")).attempted
        for name in ("agent", "envelope")
    )
    assert attempted >= 5
