"""Admission: an administrator lets an agent onto a secured network, or takes it off.

Only administrators may send these (the registry refuses anyone else with
``forbidden``). On an open network (no NATS authentication) the registry
answers them with ``not_found``: there are no credentials to issue.
"""

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from protocol.ids import Id
from protocol.kinds.base import Body


class Admit(Body):
    """Issue NATS credentials for ``agent`` and provision its inbox."""

    KIND: ClassVar[str] = "admit"

    agent: Id


class Admitted(Body):
    """The answer to admit: the agent's credentials (a secret: hand them over safely)."""

    KIND: ClassVar[str] = "admitted"

    agent: Id
    public_key: str = Field(description="The NATS user's public key (what revocation names).")
    creds: str = Field(description="The .creds file's text: the user JWT and its seed.")
    issued_at: datetime


class Revoke(Body):
    """Take ``agent`` off the network: its credentials stop working and its card goes."""

    KIND: ClassVar[str] = "revoke"

    agent: Id
    public_keys: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Only these of the agent's credentials (rotation); all when empty.",
    )


class Revoked(Body):
    """The public keys now revoked; the operator pushes the account update that enforces it."""

    KIND: ClassVar[str] = "revoked"

    agent: Id
    public_keys: list[str]
