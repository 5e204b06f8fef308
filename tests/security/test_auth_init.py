"""``ioa auth init``'s files run a secured network as a deployment would: the server
trusts its operator, services connect with their roles' credentials, and an agent
with credentials issued offline comes online (its first registration provisions its
inbox) and gets its messages."""

from pathlib import Path

from ioa import nats_server
from ioa.auth_init import init
from ioa.processes import die_with_parent
from protocol.connection import Connection
from protocol.kinds import GetAgent
from protocol.settings import ServiceSettings
from protocol.subjects import ADMIN, CHAT, REGISTRY
from registry.app import serve as serve_registry
from registry.settings import RegistrySettings
from services.agents.calculator.agent import Calculator
from services.agents.calculator.card import calculator_card
from services.agents.calculator.settings import CalculatorSettings
from services.chat.app import serve as serve_chat
from services.chat.settings import ChatSettings


async def test_a_deployment_from_auth_init_admits_agents_with_offline_credentials(
    tmp_path: Path,
) -> None:
    out = tmp_path / "auth"
    init(out, "ioa.v1", ["calculator"], str(tmp_path / "jwt"))
    config = tmp_path / "nats.conf"
    config.write_text('include "auth/nats-auth.conf"\n')  # relative to this file
    port = nats_server.free_port()
    server = nats_server.start(
        port, tmp_path / "store", config=config, preexec_fn=die_with_parent()
    )
    url = f"nats://127.0.0.1:{port}"
    account = (out / "admission.env").read_text().strip().split("=", 1)[1]

    def creds(name: str) -> dict[str, object]:
        return {"nats_url": url, "nats_creds": out / "creds" / f"{name}.creds"}

    try:
        async with (
            serve_registry(
                RegistrySettings(
                    **creds(REGISTRY),
                    database_url=f"sqlite:///{tmp_path}/r.db",
                    admission_account=account,
                    admission_signing_key=out / "signing.nk",
                )
            ),
            serve_chat(ChatSettings(**creds(CHAT))),
            Calculator(calculator_card(), CalculatorSettings(**creds("calculator"))),
            Connection(ServiceSettings(**creds(ADMIN)), ADMIN) as admin,
        ):
            info = await admin.request(REGISTRY, "get_agent", GetAgent(agent="calculator"))
    finally:
        nats_server.stop(server)

    assert info.body.online
