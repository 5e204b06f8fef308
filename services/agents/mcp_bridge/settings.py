"""The MCP bridge's settings (environment variables with the ``IOA_`` prefix)."""

from pydantic import Field

from protocol.settings import ServiceSettings


class McpBridgeSettings(ServiceSettings):
    mcp_server: str = Field(
        description="A command line (run over stdio) or an http(s) URL (streamable HTTP)."
    )
    mcp_agent_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_:-]{0,127}$",
        description="Our id for it; default: mcp-<server name>.",
    )
    mcp_timeout: float = Field(default=60.0, gt=0, description="Seconds per tool call.")
    mcp_use_llm: bool = Field(default=True, description="Let the LLM pick tool and arguments.")
    agent_lease_seconds: float = Field(default=15.0, gt=0)
