"""The ``ioa/1`` agent-integration protocol: envelope, message kinds, subjects, SDK.

Third parties need only this package (pydantic, nats-py, opentelemetry-api).
"""

from protocol.agent import Agent
from protocol.connection import Connection
from protocol.envelope import PROTOCOL, Envelope, decode
from protocol.errors import ErrorCode, IoaError
from protocol.ids import new_id
from protocol.settings import NatsSettings, ServiceSettings
from protocol.subjects import Subjects

__version__ = "0.1.0"

__all__ = [
    "PROTOCOL",
    "Agent",
    "Connection",
    "Envelope",
    "ErrorCode",
    "IoaError",
    "NatsSettings",
    "ServiceSettings",
    "Subjects",
    "__version__",
    "decode",
    "new_id",
]
