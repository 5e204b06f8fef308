"""The python agent's settings (environment variables with the ``IOA_`` prefix)."""

from pydantic import Field

from protocol.settings import ServiceSettings
from services.agents.python.sandbox import Limits


class PythonSettings(ServiceSettings):
    agent_lease_seconds: float = Field(default=15.0, gt=0)
    python_cpu_seconds: int = Field(default=10, ge=1, le=3600, description="CPU time per run.")
    python_wall_seconds: float = Field(default=30.0, gt=0, le=3600, description="Wall time.")
    python_memory_mb: int = Field(default=512, ge=64, le=65_536, description="Address space.")
    python_processes: int = Field(default=32, ge=1, le=4096, description="Processes (NPROC).")
    python_output_bytes: int = Field(default=64 * 1024, ge=1024, le=10_000_000)
    python_file_bytes: int = Field(default=8 * 1024 * 1024, ge=1024, description="Per file.")
    python_inline_file_bytes: int = Field(default=32 * 1024, ge=0, le=1_000_000)
    python_max_files: int = Field(default=20, ge=0, le=1000)
    python_interpreter: str | None = Field(
        default=None, description="The Python that runs the code; default: this one."
    )
    python_require_isolation: bool = Field(
        default=False,
        description="Refuse to run code when no network namespace can be made here.",
    )
    python_progress_seconds: float = Field(
        default=5.0, gt=0, description="A progress note this often while code runs."
    )
    python_max_concurrent: int = Field(default=2, ge=1, le=64)
    python_use_llm: bool = Field(
        default=True,
        description="Let the model (OPENAI_BASE_URL, IOA_LLM_MODEL) write a program for a "
        "task in words that no exact routine answers.",
    )
    python_program_attempts: int = Field(
        default=4, ge=1, le=20, description="Programs the model may write for one question."
    )
    python_programs_agreeing: int = Field(
        default=2,
        ge=1,
        le=5,
        description="Different programs by the model that must print the same answer "
        "before it is taken (IOA_PYTHON_PROGRAMS_AGREEING; 1 trusts one program).",
    )

    @property
    def limits(self) -> Limits:
        return Limits(
            cpu_seconds=self.python_cpu_seconds,
            wall_seconds=self.python_wall_seconds,
            memory_bytes=self.python_memory_mb * 1024 * 1024,
            processes=self.python_processes,
            output_bytes=self.python_output_bytes,
            file_bytes=self.python_file_bytes,
            inline_file_bytes=self.python_inline_file_bytes,
            max_files=self.python_max_files,
        )
