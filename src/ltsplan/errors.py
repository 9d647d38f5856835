"""User errors: our own types, carrying where the problem is and what would be accepted.

One place per face turns them into output: the CLI prints them and exits 1, the API answers 4xx.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as the format allows."""

    message: str
    file: str | None = None
    line: int | None = None  # line number in a text file, or row number in a sheet (1-based)
    field: str | None = None
    record: str | None = None  # a record's identifier when it has one (an IATI activity id, say)

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.record:
            parts.append(self.record)
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "record": self.record,
            "field": self.field,
            "message": self.message,
        }


class LtsplanError(Exception):
    """Base of every error a user can cause and fix."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(LtsplanError):
    """The input is wrong; ``problems`` lists every problem found, not only the first."""

    status_code = 422

    def __init__(self, problems: Iterable[Problem], summary: str | None = None) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = summary or f"{count} problem{'s' if count != 1 else ''} in the input; nothing was written"
        super().__init__(head)

    def __str__(self) -> str:
        lines = [self.message]
        lines.extend(f"  {p}" for p in self.problems[:200])
        if len(self.problems) > 200:
            lines.append(f"  … and {len(self.problems) - 200} more")
        return "\n".join(lines)


class NotFound(LtsplanError):
    status_code = 404


class Conflict(LtsplanError):
    status_code = 409


class Busy(LtsplanError):
    """Another process holds the database for a write longer than a write waits (try again)."""

    status_code = 503


@dataclass
class ProblemList:
    """Collects problems while validating a whole file, so that all of them can be reported."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, message: str, **where: object) -> None:
        self.problems.append(Problem(message, **where))  # type: ignore[arg-type]

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def raise_if_any(self, summary: str | None = None) -> None:
        if self.problems:
            raise InvalidInput(self.problems, summary)
