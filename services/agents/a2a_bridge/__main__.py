"""Run the A2A bridge: ``IOA_A2A_URL=http://host:port python -m services.agents.a2a_bridge``
(or ``ioa bridge a2a URL``)."""

import asyncio
import contextlib

import structlog

from protocol.lifecycle import until_signalled
from protocol.telemetry import setup_telemetry
from services.agents.a2a_bridge.agent import A2ABridge
from services.agents.a2a_bridge.card import ioa_card
from services.agents.a2a_bridge.relay import A2ARelay
from services.agents.a2a_bridge.settings import A2ABridgeSettings


async def main() -> None:
    settings = A2ABridgeSettings()  # type: ignore[call-arg]  # required: from the environment
    stopped = asyncio.create_task(until_signalled())
    await asyncio.sleep(0)
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(stopped.cancel)
        try:
            relay = await stack.enter_async_context(
                A2ARelay(settings.a2a_url, settings.a2a_timeout)
            )
        except Exception as exc:
            url = settings.a2a_url
            raise SystemExit(f"a2a bridge: cannot read the agent card at {url}: {exc}") from None
        assert relay.card is not None
        card = ioa_card(relay.card, settings.a2a_agent_id)
        stack.enter_context(setup_telemetry(card.id, card.version, settings))
        await stack.enter_async_context(A2ABridge(card, settings, relay))
        structlog.get_logger("ioa.a2a_bridge").info(
            "a2a bridge ready", agent=card.id, url=settings.a2a_url, streaming=relay.streaming
        )
        await stopped


if __name__ == "__main__":
    asyncio.run(main())
