"""Typed parts of a message, aligned with A2A's parts: text, data (JSON), file by URL."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class TextPart(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: Literal["text"] = "text"
    text: str = Field(max_length=200_000)


class DataPart(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: Literal["data"] = "data"
    data: dict[str, Any]


class FilePart(BaseModel):
    """A file by reference: the bytes live elsewhere (object store, HTTP)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: Literal["file"] = "file"
    url: str = Field(max_length=4000)
    name: str = Field(default="", max_length=500)
    media_type: str = Field(default="application/octet-stream", max_length=200)
    size: int | None = Field(default=None, ge=0, le=2**63 - 1)


Part = Annotated[TextPart | DataPart | FilePart, Field(discriminator="kind")]
