"""Study figures of the known bureau (tests/reports/conftest.py), number by number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reports import selectors
from reports.errors import InvalidReportQuery
from reports.selectors.common import ReportScope

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def by_name(report: selectors.StudyReport) -> dict[str, tuple[int, int, int, Decimal, Decimal, float, float]]:
    return {
        row.department.name: (
            row.figures.people,
            row.figures.courses_done,
            row.figures.hours_met,
            row.figures.hours_mean,
            row.figures.required_mean,
            row.figures.completion_rate,
            row.figures.hours_rate,
        )
        for row in report.departments
    }


def test_every_study_figure_for_the_administrator(known_bureau):
    # when
    report = selectors.study_report(scope=ReportScope(paths=None), year=YEAR)
    # then: 一处 needs 16 hours and C1 + C2, everyone else 10 hours and C1; a4 left
    assert by_name(report) == {
        "市局": (5, 2, 2, Decimal("8.6"), Decimal("13.6"), 0.4, 0.4),
        "一处": (3, 1, 1, Decimal("9.3"), Decimal("16.0"), 0.3333, 0.3333),
        "一科": (3, 1, 1, Decimal("9.3"), Decimal("16.0"), 0.3333, 0.3333),
        "二科": (0, 0, 0, Decimal("0"), Decimal("0"), 0.0, 0.0),
        "二处": (2, 1, 1, Decimal("7.5"), Decimal("10.0"), 0.5, 0.5),
        "上级机关": (2, 0, 0, Decimal("0.0"), Decimal("10.0"), 0.0, 0.0),
    }
    # c1 (no department) is in the totals: the plan for everyone applies to them
    totals = report.totals
    assert (totals.people, totals.courses_done, totals.hours_met) == (8, 2, 2)
    assert (totals.hours_sum, totals.required_sum) == (Decimal("43"), Decimal("98"))
    assert totals.behind_on_hours == 6


def test_a_leader_sees_the_study_figures_of_their_subtree(known_bureau):
    report = selectors.study_report(scope=selectors.report_scope(known_bureau.leader), year=YEAR)
    assert set(by_name(report)) == {"一处", "一科", "二科"}
    assert (report.totals.people, report.totals.courses_done, report.totals.hours_met) == (3, 1, 1)


def test_a_year_without_a_plan_counts_nobody(known_bureau):
    report = selectors.study_report(scope=ReportScope(paths=None), year=YEAR + 3)
    assert report.totals.as_dict() == {
        "people": 0,
        "courses_done": 0,
        "completion_rate": 0.0,
        "hours_met": 0,
        "hours_rate": 0.0,
        "hours_mean": "0",
        "required_mean": "0",
    }


def test_the_people_behind_on_hours_and_courses(known_bureau):
    scope = selectors.report_scope(known_bureau.leader)
    behind = selectors.study_people(scope=scope, year=YEAR, which="behind_on_hours")
    assert [(p.name, p.hours, p.required_hours) for p in behind] == [
        ("甲二", Decimal("12"), Decimal("16")),
        ("甲三", Decimal("0"), Decimal("16")),
    ]
    unfinished = selectors.study_people(
        scope=ReportScope(paths=None),
        year=YEAR,
        which="courses_unfinished",
        department=known_bureau.division2,
    )
    assert [(p.name, p.courses_completed, p.required_courses) for p in unfinished] == [("乙二", 0, 1)]


def test_an_unknown_list_names_the_parameter(known_bureau):
    with pytest.raises(InvalidReportQuery) as caught:
        selectors.study_people(scope=ReportScope(paths=None), year=YEAR, which="everyone")
    assert caught.value.field == "list"
