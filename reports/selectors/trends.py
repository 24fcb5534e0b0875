"""Year on year: each year with sessions of a kind, its participation and pass rates as the year's
participation report counts them (each person once, best attempt), and its study hours per person.

Three statements per year shown plus one, whatever the number of departments or people; years are
few (one a year since the platform started).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from courses.models import StudyHoursEntry
from exams.models import ExamKind

from .common import ReportScope, active_people
from .participation import Figures, cohort_for, participation_report, years_with_sessions


@dataclass(frozen=True)
class YearFigures:
    year: int
    figures: Figures
    hours_mean: Decimal


def year_on_year(*, scope: ReportScope, kind: str = ExamKind.ANNUAL) -> list[YearFigures]:
    """Every year with sessions of ``kind``, oldest first."""
    result = []
    people = active_people(scope)
    population = people.count()
    for year in years_with_sessions(kind=kind):
        report = participation_report(scope=scope, cohort=cohort_for(year=year, kind=kind))
        total = StudyHoursEntry.objects.filter(year=year, person__in=people.values("pk")).aggregate(
            total=Sum("hours")
        )["total"] or Decimal(0)
        mean = (Decimal(total) / population).quantize(Decimal("0.1")) if population else Decimal("0.0")
        result.append(YearFigures(year=year, figures=report.totals, hours_mean=mean))
    return result
