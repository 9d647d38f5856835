"""The scoreboard: per objective, each assessor's latest verdict side by side (pure).

As of a date D, each assessor's *latest* assessment of an objective is the one with the latest
``assessed`` date on or before D. Verdicts are never merged into one: the scoreboard keeps a row per
assessor and adds, per objective,

- **divergence**: max − min of the ordinal values of the assessors' statuses on the scale
  achieved (4) > partly achieved (3) > ongoing (2) > not achieved (1); 0 means all agree, 3 is the
  widest split; it is null when fewer than two assessors place the objective on the scale;
- **abandoned split**: true when at least one assessor says "abandoned" and another does not
  (an abandoned aim has no place on the ordinal scale, so it is reported apart);
- **agreement**: "agree" when every assessor gives the same status, "diverge" otherwise,
  "single" when there is only one assessor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ltsplan.objectives.model import SCALE, ObjectiveAssessment


@dataclass(frozen=True)
class Verdicts:
    objective: str
    latest: tuple[ObjectiveAssessment, ...]  # one per assessor, by assessor

    @property
    def divergence(self) -> int | None:
        values = [SCALE[a.status] for a in self.latest if a.status in SCALE]
        return max(values) - min(values) if len(values) >= 2 else None

    @property
    def abandoned_split(self) -> bool:
        said = {a.status == "abandoned" for a in self.latest}
        return said == {True, False}

    @property
    def agreement(self) -> str:
        if len(self.latest) < 2:
            return "single"
        return "agree" if len({a.status for a in self.latest}) == 1 else "diverge"


def latest_verdicts(assessments: Iterable[ObjectiveAssessment], objective: str, day: date) -> Verdicts:
    chosen: dict[str, ObjectiveAssessment] = {}
    for a in assessments:
        if a.objective != objective or a.assessed > day:
            continue
        if a.assessor not in chosen or chosen[a.assessor].assessed <= a.assessed:
            chosen[a.assessor] = a
    return Verdicts(objective, tuple(chosen[k] for k in sorted(chosen)))
