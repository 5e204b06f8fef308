"""A real MCP server built with the ``mcp`` package, run over stdio:
``python tests/services/agents/mcp_server.py``.

Two tools with typed arguments, so the bridge has to choose one and fill its schema.
"""

from mcp.server.mcpserver import MCPServer

server = MCPServer("garden-tools")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two whole numbers."""
    return a + b


@server.tool()
def shout(text: str, times: int = 1) -> str:
    """Repeat a text in capitals."""
    return " ".join([text.upper()] * times)


if __name__ == "__main__":
    server.run("stdio")
