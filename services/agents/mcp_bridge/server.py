"""The MCP server behind the bridge: connect (stdio for a command, streamable HTTP for a
URL), list its tools, call one."""

import asyncio
import contextlib
import shlex
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp_types import TextContent


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str
    schema: dict[str, Any]


@dataclass(slots=True)
class Outcome:
    text: str
    data: Any
    is_error: bool


def server_target(spec: str) -> StdioServerParameters | str:
    """An http(s) URL as it is; anything else is a command line for stdio."""
    if spec.startswith(("http://", "https://")):
        return spec
    argv = shlex.split(spec)
    if not argv:
        raise ValueError("the MCP server command is empty")
    return StdioServerParameters(command=argv[0], args=argv[1:])


class McpServer:
    """One connection to an MCP server; an async context manager."""

    def __init__(self, spec: str, timeout: float = 60.0) -> None:
        self.spec = spec
        self.timeout = timeout
        self._client = Client(server_target(spec), read_timeout_seconds=timeout)
        self.name = ""
        self.tools: list[Tool] = []
        self._ready = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        # The MCP client's anyio cancel scopes must be left by the task that entered them:
        # one task of its own holds the connection open; calls may come from any task.
        self._task = asyncio.create_task(self._hold(), name="mcp-connection")
        ready = asyncio.create_task(self._ready.wait())
        await asyncio.wait({ready, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if not self._ready.is_set():
            ready.cancel()
            await self._task  # raises the connection's error
            raise ConnectionError(f"the MCP server {self.spec!r} closed at once")
        return self

    async def _hold(self) -> None:
        async with self._client:
            info = self._client.server_info
            self.name = getattr(info, "name", "") or ""
            listed = await self._client.list_tools()
            self.tools = [
                Tool(t.name, t.description or "", dict(t.input_schema)) for t in listed.tools
            ]
            self._ready.set()
            await self._stop.wait()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task

    def tool(self, name: str) -> Tool | None:
        return next((t for t in self.tools if t.name == name), None)

    async def call(self, name: str, arguments: dict[str, Any]) -> Outcome:
        result = await self._client.call_tool(name, arguments)
        texts = [block.text for block in result.content if isinstance(block, TextContent)]
        return Outcome("\n".join(texts), result.structured_content, result.is_error)
