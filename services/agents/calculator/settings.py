"""The calculator's settings (environment variables with the ``IOA_`` prefix)."""

from pydantic import Field

from protocol.settings import ServiceSettings
from services.agents.calculator.arithmetic import MAX_BITS, MAX_EXPRESSION_CHARS, Limits


class CalculatorSettings(ServiceSettings):
    agent_lease_seconds: float = Field(default=15.0, gt=0)
    calculator_max_chars: int = Field(
        default=MAX_EXPRESSION_CHARS, ge=1, le=10_000, description="Longest expression accepted."
    )
    calculator_max_bits: int = Field(
        default=MAX_BITS, ge=64, le=1_000_000, description="Largest value, in bits."
    )

    @property
    def limits(self) -> Limits:
        return Limits(max_chars=self.calculator_max_chars, max_bits=self.calculator_max_bits)
