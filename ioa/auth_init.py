"""``ioa auth init DIR``: a secured network's keys and credentials as files, for a deployment.

``ioa up`` sets up its own; Kubernetes and docker-compose take theirs from this
command's output, put into Secrets or mounted read-only::

    DIR/keys/          the operator's keys (keep them offline: they sign revocations)
    DIR/nats-auth.conf the servers' trust (include it in nats.conf)
    DIR/admission.env  the registry's IOA_ADMISSION_ACCOUNT
    DIR/signing.nk     the account's signing key, for the registry (a secret)
    DIR/creds/*.creds  one user per service role, for admin, and for each agent named

Agents' credentials made here are issued offline; an agent's first registration
provisions its inbox. Later agents are admitted with ``ioa agent admit``.
"""

import shutil
import sys
from pathlib import Path

from ioa.authority import Authority
from protocol import permissions
from protocol.ids import check_id
from protocol.subjects import Subjects
from registry.credentials import write_creds


def init(out: Path, root: str, agents: list[str], resolver_dir: str) -> list[Path]:
    """Write (or complete) ``out``; the files written."""
    authority = Authority.open(out / "keys")
    subjects = Subjects(root)
    trust = out / "nats-auth.conf"
    trust.write_text(authority.server_config(Path(resolver_dir)))
    signing = out / "signing.nk"
    shutil.copyfile(authority.signing_seed_file, signing)
    signing.chmod(0o600)
    env = out / "admission.env"
    env.write_text(f"IOA_ADMISSION_ACCOUNT={authority.account_key}\n")
    services = authority.write_service_creds(subjects, out / "creds")
    written = [trust, signing, env, *services.values()]
    issuer = authority.issuer()
    for agent in agents:
        issued = issuer.issue(agent, permissions.agent(subjects, check_id(agent, "agent")))
        written.append(write_creds(out / "creds" / f"{agent}.creds", issued))
    return written


def main(out: Path, root: str, agents: str, resolver_dir: str) -> int:
    names = [a.strip() for a in agents.split(",") if a.strip()]
    try:
        written = init(out, root, names, resolver_dir)
    except ValueError as exc:
        print(f"ioa auth init: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    print(
        f"Keep {out / 'keys'} offline (it revokes credentials); the rest goes into your "
        "deployment's secrets (docs/security.md).",
        file=sys.stderr,
    )
    return 0
