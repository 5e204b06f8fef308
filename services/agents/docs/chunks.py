"""Split documents into passages: by headings, then by paragraphs, with line ranges.

A passage keeps the path of headings above it (``Envelope > Fields``) and the
first and last line it covers, so an answer can cite exactly where it came
from. Fenced code blocks are never split (a blank line inside one is not a
paragraph break), and headings inside them are not headings.
"""

import re
from dataclasses import dataclass
from pathlib import Path

MAX_CHUNK_CHARS = 1200
SUFFIXES = (".md", ".markdown", ".txt", ".rst")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True, slots=True)
class Chunk:
    file: str
    """Relative to the documents folder."""
    heading: str
    line_start: int
    line_end: int
    text: str

    def citation(self) -> dict[str, object]:
        return {
            "file": self.file,
            "heading": self.heading,
            "line_start": self.line_start,
            "line_end": self.line_end,
        }

    def where(self) -> str:
        section = f" § {self.heading}" if self.heading else ""
        return f"{self.file}{section} (lines {self.line_start}-{self.line_end})"


def document_files(folder: Path) -> list[Path]:
    """The documents under ``folder``, in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


def chunk_folder(folder: Path, max_chars: int = MAX_CHUNK_CHARS) -> list[Chunk]:
    chunks: list[Chunk] = []
    for path in document_files(folder):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        chunks.extend(chunk_text(str(path.relative_to(folder)), text, max_chars))
    return chunks


def chunk_text(file: str, text: str, max_chars: int = MAX_CHUNK_CHARS) -> list[Chunk]:
    """The passages of one document."""
    chunks: list[Chunk] = []
    headings: list[str] = []
    block: list[tuple[int, str]] = []  # (line number, line) of the passage being built
    paragraph: list[tuple[int, str]] = []
    in_fence = False

    def flush_paragraph() -> None:
        nonlocal block
        if not paragraph:
            return
        size = sum(len(line) + 1 for _, line in block)
        if block and size + sum(len(line) + 1 for _, line in paragraph) > max_chars:
            flush_block()
        block.extend(paragraph)
        paragraph.clear()

    def flush_block() -> None:
        nonlocal block
        body = [line for _, line in block]
        if any(line.strip() for line in body):
            chunks.append(
                Chunk(
                    file=file,
                    heading=" > ".join(headings),
                    line_start=block[0][0],
                    line_end=block[-1][0],
                    text="\n".join(body).strip(),
                )
            )
        block = []

    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
            paragraph.append((number, line))
            continue
        heading = None if in_fence else _HEADING.match(line)
        if heading:
            flush_paragraph()
            flush_block()
            level = len(heading.group(1))
            headings[:] = [*headings[: level - 1], heading.group(2)]
            continue
        if not line.strip() and not in_fence:
            flush_paragraph()
            continue
        paragraph.append((number, line))
        # A single paragraph longer than the limit is cut at line boundaries.
        if not in_fence and sum(len(s) + 1 for _, s in paragraph) > max_chars:
            flush_paragraph()
            flush_block()
    flush_paragraph()
    flush_block()
    return chunks
