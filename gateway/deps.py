"""FastAPI dependencies: the gateway's NATS connection and settings, opened by the lifespan."""

from typing import Annotated

from fastapi import Depends, Request

from gateway.readers import Readers
from gateway.settings import GatewaySettings
from gateway.statehub import StateHub
from protocol.connection import Connection


def get_conn(request: Request) -> Connection:
    """The gateway's one NATS connection (identity ``gateway``)."""
    conn: Connection = request.app.state.conn
    return conn


def get_settings(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


def get_hub(request: Request) -> StateHub:
    """The gateway's one reader of new conversation states, shared by the user feeds."""
    hub: StateHub = request.app.state.hub
    return hub


def get_readers(request: Request) -> Readers:
    """The coordinator's answers on who may read what, remembered for the user feeds."""
    readers: Readers = request.app.state.readers
    return readers


ConnDep = Annotated[Connection, Depends(get_conn)]
ReadersDep = Annotated[Readers, Depends(get_readers)]
HubDep = Annotated[StateHub, Depends(get_hub)]
SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]
