"""NATS credentials for admitted agents: user JWTs signed with the account's signing key.

The registry holds only the account's *signing* key, never the operator's or the
account's own: it can issue users of the one account, with the permissions
``protocol.permissions`` defines, and nothing else. Revoking a user changes the
account JWT, which only the operator can sign (``ioa agents revoke``).
"""

from dataclasses import dataclass
from pathlib import Path

import nkeys
from nats_jwt.nkeys_ext import create_user_pair
from nats_jwt.v2.types import ResponsePermission
from nats_jwt.v2.user_claims import UserClaims

from protocol.permissions import Permissions

CREDS_TEMPLATE = """-----BEGIN NATS USER JWT-----
{jwt}
------END NATS USER JWT------

************************* IMPORTANT *************************
NKEY Seed printed below can be used to sign and prove identity.
NKEYs are sensitive and should be treated as secrets.

-----BEGIN USER NKEY SEED-----
{seed}
------END USER NKEY SEED------

*************************************************************
"""


@dataclass(frozen=True, slots=True)
class IssuedCredentials:
    name: str
    public_key: str
    creds: str
    """The ``.creds`` file's text (the user JWT and its seed): a secret."""


class Issuer:
    """Signs user JWTs for one account with one of its signing keys."""

    def __init__(self, account: str, signing_seed: bytes) -> None:
        self.account = account
        self._signer = nkeys.from_seed(signing_seed)

    @classmethod
    def from_file(cls, account: str, seed_file: Path) -> "Issuer":
        return cls(account, seed_file.read_bytes().strip())

    @property
    def signing_key(self) -> str:
        public: bytes = self._signer.public_key
        return public.decode()

    def issue(self, name: str, permissions: Permissions) -> IssuedCredentials:
        user = create_user_pair()
        public_key = user.public_key.decode()
        claims = UserClaims(public_key, name)
        claims.nats.issuer_account = self.account
        claims.nats.pub.allow = list(permissions.publish)
        claims.nats.sub.allow = list(permissions.subscribe)
        # Absent, the server lets no reply through; present, one reply per request.
        claims.nats.resp = ResponsePermission(max_msgs=1) if permissions.responses else None
        jwt = claims.encode(self._signer)
        text = CREDS_TEMPLATE.format(jwt=jwt, seed=user.seed.decode())
        return IssuedCredentials(name, public_key, text)


def write_creds(path: Path, creds: IssuedCredentials) -> Path:
    """Write a ``.creds`` file that only its owner may read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(creds.creds)
    return path
