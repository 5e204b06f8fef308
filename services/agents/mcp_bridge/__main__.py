"""Run the MCP bridge: ``IOA_MCP_SERVER='python server.py' python -m services.agents.mcp_bridge``
(or ``ioa bridge mcp COMMAND_OR_URL``)."""

import asyncio
import contextlib

import structlog

from protocol.lifecycle import until_signalled
from protocol.llm import Llm, LlmSettings
from protocol.telemetry import setup_telemetry
from services.agents.mcp_bridge.agent import McpBridge
from services.agents.mcp_bridge.card import mcp_card
from services.agents.mcp_bridge.server import McpServer
from services.agents.mcp_bridge.settings import McpBridgeSettings


async def main() -> None:
    settings = McpBridgeSettings()  # type: ignore[call-arg]  # required: from the environment
    stopped = asyncio.create_task(until_signalled())
    await asyncio.sleep(0)
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(stopped.cancel)
        try:
            server = McpServer(settings.mcp_server, settings.mcp_timeout)
            await stack.enter_async_context(server)
        except Exception as exc:
            raise SystemExit(f"mcp bridge: cannot reach {settings.mcp_server}: {exc}") from None
        card = mcp_card(settings.mcp_agent_id, server.name, server.tools)
        stack.enter_context(setup_telemetry(card.id, card.version, settings))
        llm = None
        if settings.mcp_use_llm:
            llm = Llm(LlmSettings())
            stack.push_async_callback(llm.close)
        await stack.enter_async_context(McpBridge(card, settings, server, llm))
        structlog.get_logger("ioa.mcp_bridge").info(
            "mcp bridge ready", agent=card.id, tools=[t.name for t in server.tools]
        )
        await stopped


if __name__ == "__main__":
    asyncio.run(main())
