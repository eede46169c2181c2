"""The plan as read from its official document, before anything is stored.

Plain dataclasses so the importer stays pure and the loader can be tested without parsing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LineMessage:
    """A problem or remark tied to a 1-based line of the source document."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class LevelDoc:
    """One level of an activity's scale: a rubric row, or one target item."""

    number: int
    criterion: str


@dataclass
class ActivityDoc:
    code: str  # Arabic digits, e.g. "1.1.1" (kept as printed otherwise: "3.1.2" with no 3.1.1)
    code_as_printed: str  # e.g. "๑.๑.๑"
    title: str
    objectives: list[str]
    indicators: list[str]
    targets: list[str]
    # "ระดับ ๔" -> 4; with no "ระดับ N" target: the number of levels (every item must be met)
    target_level: int
    outcomes_quantitative: list[str]
    outcomes_qualitative: list[str]
    quarters: list[int]  # sorted subset of 1..4 (fiscal quarters, Q1 = Oct-Dec)
    budget_satang: int | None  # exact satang (baht * 100); None = no budget
    responsible_unit: str  # the cell's text, cleaned, leading bullet removed
    unit_path: tuple[str, ...]  # (department, division) with canonical names
    levels: list[LevelDoc]  # the rubric where given, else one level per target item
    level_source: str  # "rubric" or "targets"
    line: int  # line of the activity row


@dataclass
class TacticDoc:
    number: int
    title: str
    line: int
    activities: list[ActivityDoc] = field(default_factory=list)


@dataclass
class StrategyDoc:
    number: int
    title: str
    line: int
    tactics: list[TacticDoc] = field(default_factory=list)


@dataclass
class PlanDocument:
    title: str
    agency: str
    ministry: str
    fiscal_year: int  # Buddhist era, e.g. 2568
    source_sha256: str
    strategies: list[StrategyDoc]
    warnings: list[LineMessage] = field(default_factory=list)

    def activities(self) -> Iterator[ActivityDoc]:
        """Every activity in document order."""
        for strategy in self.strategies:
            for tactic in strategy.tactics:
                yield from tactic.activities

    @property
    def total_budget_satang(self) -> int:
        return sum(a.budget_satang or 0 for a in self.activities())

    def counts(self) -> dict[str, int]:
        activities = list(self.activities())
        return {
            "strategies": len(self.strategies),
            "tactics": sum(len(s.tactics) for s in self.strategies),
            "activities": len(activities),
            "levels": sum(len(a.levels) for a in activities),
            "rubrics": sum(1 for a in activities if a.level_source == "rubric"),
            "warnings": len(self.warnings),
        }


class PlanFormatError(ValueError):
    """The document cannot be imported; `errors` holds every problem found, by line."""

    def __init__(self, errors: list[LineMessage]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)

    def __reduce__(self) -> tuple[type[PlanFormatError], tuple[list[LineMessage]]]:
        # Rebuild from the messages, not from the rendered text in args (pickling, workers).
        return (PlanFormatError, (self.errors,))
