"""Findings and the validation report: what is wrong in an input, and where."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal

import pandas as pd

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Finding", "Severity", "ValidationReport"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem in the input: where it is, what is wrong, and what to do about it.

    >>> print(Finding("error", "unknown value 'weg'", row=3, kavel_id="A", column="status"))
    error: row 3, kavel_id 'A', column 'status': unknown value 'weg'
    """

    severity: Severity
    message: str
    row: int | None = None  # 1-based record number in the source (first record = 1)
    kavel_id: str | None = None
    column: str | None = None
    suggestion: str | None = None
    source: str | None = None  # the file or part, where a report covers several

    def __str__(self) -> str:
        where = [self.source] if self.source else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.kavel_id:
            where.append(f"kavel_id {self.kavel_id!r}")
        if self.column:
            where.append(f"column {self.column!r}")
        text = f"{self.severity}: {', '.join(where) + ': ' if where else ''}{self.message}"
        return f"{text} ({self.suggestion})" if self.suggestion else text


@dataclass
class ValidationReport:
    """All findings for one source; ``ok`` when there are no errors.

    ``noun`` names the records in the summary: parcels, agreements, municipalities, parks.
    """

    source: str
    n_rows: int = 0
    findings: list[Finding] = field(default_factory=list)
    noun: str = "parcels"

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        """The findings as a table: severity, row, kavel_id, column, message, suggestion."""
        # pandas only when a table is asked for: the command line's error path stays light

        columns = ["severity", "row", "kavel_id", "column", "message", "suggestion"]
        return pd.DataFrame([asdict(f) for f in self.findings], columns=columns)

    def summary(self) -> str:
        return (
            f"{self.source}: {self.n_rows:,} {self.noun}, {len(self.errors)} errors, "
            f"{len(self.warnings)} warnings"
        )

    def __str__(self) -> str:
        return "\n".join([self.summary(), *(f"  {f}" for f in self.findings)])
