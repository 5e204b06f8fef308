"""Every door of the system as the code has it, found from the code itself: the services'
registered operations, the gateway's routes, the A2A methods it answers and the hooks
through which anything reaches an agent. Tests hold the documents against these."""

from typing import Any

from a2a.server.routes.jsonrpc_dispatcher import JsonRpcDispatcher
from fastapi.routing import iter_route_contexts

from gateway.app import create_app
from gateway.settings import GatewaySettings
from protocol.agent import HOOKS
from protocol.connection import Connection
from protocol.service import Service


def live_services() -> list[Service]:
    """Each service's handlers, built the way its app builds them, never connected."""
    from registry.handlers import build_service as registry_service
    from registry.settings import RegistrySettings
    from services.chat.handlers import chat_service
    from services.chat.settings import ChatSettings
    from services.coordinator.handlers import build_service as coordinator_service

    # The stores are only used when a request arrives; none does here.
    registry_settings = RegistrySettings()
    chat_settings = ChatSettings()
    unused: Any = None
    return [
        registry_service(
            Connection(registry_settings, "registry"), unused, unused, registry_settings
        ),
        chat_service(Connection(chat_settings, "chat"), unused, unused, unused, chat_settings),
        coordinator_service(Connection(chat_settings, "coordinator"), unused, unused, unused),
    ]


def service_operations() -> set[str]:
    """``<service>.<op>`` for every operation a service serves."""
    return {f"{service.name}.{op}" for service in live_services() for op in service.routes}


def gateway_doors() -> set[str]:
    """``<METHOD> <path>`` for every route of the gateway (``WS`` for a WebSocket, ``GET``
    for a mount), and ``A2A <method>`` for every method its A2A endpoint answers."""
    doors = {f"A2A {method}" for method in JsonRpcDispatcher.METHOD_TO_MODEL}
    for route in iter_route_contexts(create_app(GatewaySettings()).routes):
        methods = route.methods if route.methods is not None else {route_kind(route)}
        doors |= {f"{method} {route.path}" for method in methods - {"HEAD"}}
    return doors


def route_kind(route: Any) -> str:
    return "WS" if "WebSocket" in type(route.original_route).__name__ else "GET"


def agent_deliveries() -> set[str]:
    """``agent.<hook>`` for each way a message reaches an agent of the SDK (the MCP and A2A
    bridges are such agents and listen on nothing else)."""
    return {f"agent.{hook}" for hook in HOOKS}
