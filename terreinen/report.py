"""Findings and the validation report: what is wrong in an input, and where."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

import pandas as pd

from terreinen.i18n import format_number, t

__all__ = ["Finding", "Severity", "ValidationReport"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem in the input: where it is, what is wrong, and what to do about it.

    ``message`` and ``suggestion`` are written in the reader's language when the finding is
    made; its frame (severity, row, column) when it is printed.

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
            where.append(t("row {row}", row=self.row))
        if self.kavel_id:
            where.append(f"kavel_id {self.kavel_id!r}")  # contract names stay as they are
        if self.column:
            where.append(t("column {column}", column=repr(self.column)))
        said = t("error") if self.severity == "error" else t("warning")
        text = f"{said}: {', '.join(where) + ': ' if where else ''}{self.message}"
        return (
            t("{text} ({suggestion})", text=text, suggestion=self.suggestion)
            if self.suggestion
            else text
        )


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
        columns = ["severity", "row", "kavel_id", "column", "message", "suggestion"]
        return pd.DataFrame([asdict(f) for f in self.findings], columns=columns)

    def summary(self) -> str:
        """The summary line in the reader's language (``x.csv: 3.360 kavels, 0 fouten, ...``)."""
        return t(
            "{source}: {n} {noun}, {errors} errors, {warnings} warnings",
            source=self.source,
            n=format_number(self.n_rows, 0),
            noun=t(self.noun),
            errors=len(self.errors),
            warnings=len(self.warnings),
        )

    def __str__(self) -> str:
        return "\n".join([self.summary(), *(f"  {f}" for f in self.findings)])
