"""Every read of the reports, already limited to what the asking user may see. Import from here.

Scope (``selectors/common.py``)
    report_scope(user) -> ReportScope                       everything (administrators) or the led subtrees;
                                                            ReportsNotPermitted for anyone else
    department_in_scope(*, scope, department_id) -> Department | None   DepartmentNotFound (404) outside it
Participation (``selectors/participation.py``)
    cohort_for(*, session=None, year=None, kind=None, scope=None) -> ExamCohort   one session, or a year's sessions of a kind (within scope)
    participation_report(*, scope, cohort) -> ParticipationReport       4 statements whatever the size
    participation_people(*, scope, cohort, which, department=None) -> QuerySet[User]
    participation_timeline(*, scope, cohort, now, department=None) -> list[TimelinePoint]
Study (``selectors/study.py``)
    study_report(*, scope, year) -> StudyReport                         5 statements whatever the size
    study_people(*, scope, year, which, department=None) -> QuerySet[User]
    plan_for(*, year, department) -> StudyPlan | None                  the plan a nudge about them is about
Credentials (``selectors/credentials.py``)
    credential_report(*, scope, today) -> CredentialReport              3 statements whatever the size
    credential_people(*, scope, today, which, department=None) -> QuerySet[User]   credential at risk
The year's figures (``selectors/annual.py``)
    annual_figures(*, scope, year, today) -> dict                       the 年度学法统计, plain JSON
    annual_sentences(figures) -> list[str]                              the figures in the summary's sentences
    figure_rows(figures, *, against=None) -> list[dict]                 labelled rows, with a recount beside
    published_figures(*, year) -> AnnualFiguresSnapshot | None          the latest published snapshot
Trends (``selectors/trends.py``)
    year_on_year(*, scope, kind="annual") -> list[YearFigures]          participation and pass rate per year
"""

from .annual import annual_figures, annual_sentences, figure_rows, published_figures
from .common import ReportScope, department_in_scope, may_read_reports, percent, report_scope
from .credentials import (
    CREDENTIAL_LISTS,
    EXPIRY_DAYS,
    CredentialReport,
    credential_people,
    credential_report,
    expiring_before,
    risks_of,
    status_label,
)
from .participation import (
    PEOPLE_LISTS,
    ExamCohort,
    Figures,
    ParticipationReport,
    cohort_for,
    cohorts_available,
    participation_people,
    participation_report,
    participation_timeline,
    years_with_sessions,
)
from .study import STUDY_LISTS, StudyReport, plan_for, study_people, study_report
from .trends import YearFigures, year_on_year

__all__ = [
    "CREDENTIAL_LISTS",
    "EXPIRY_DAYS",
    "PEOPLE_LISTS",
    "STUDY_LISTS",
    "CredentialReport",
    "ExamCohort",
    "Figures",
    "ParticipationReport",
    "ReportScope",
    "StudyReport",
    "YearFigures",
    "annual_figures",
    "annual_sentences",
    "cohort_for",
    "cohorts_available",
    "credential_people",
    "credential_report",
    "department_in_scope",
    "expiring_before",
    "figure_rows",
    "may_read_reports",
    "participation_people",
    "participation_report",
    "participation_timeline",
    "percent",
    "plan_for",
    "published_figures",
    "report_scope",
    "risks_of",
    "status_label",
    "study_people",
    "study_report",
    "year_on_year",
    "years_with_sessions",
]
