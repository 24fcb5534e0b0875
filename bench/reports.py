"""The participation report at scale (DESIGN.md section 6) beside a hand-written SQL query for the same
numbers, in the same run.

Data: 100,000 staff (5 % inactive) in 500 departments on three levels (a bureau, 20 divisions, 479
sections), one annual session for everyone, 90,000 attempts (85,000 people sat once, 5,000 twice;
2 % still in progress; most pass). Measured: the report as the API asks for it (``cohort_for`` and
``participation_report`` for the administrator: every department over its subtree and the totals)
against one hand-written query computing the same figures (each department's own counts, summed over
its subtree by a prefix join on the materialised paths). Both are run alternately, several times; the
ratio is of the medians. The numbers must be equal, and the statements constant.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta
from typing import Any

STAFF = 100_000
DIVISIONS = 20
SECTIONS = 479
ATTEMPTS_ONCE = 85_000
ATTEMPTS_TWICE = 5_000

REFERENCE_SQL = """
WITH own AS (
    SELECT u.department_id,
           count(*) AS eligible,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM exams_attempt a
               WHERE a.candidate_id = u.id AND a.session_id = %(session)s AND a.status = 'submitted'
           )) AS participated,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM exams_attempt a
               WHERE a.candidate_id = u.id AND a.session_id = %(session)s AND a.status = 'submitted' AND a.passed
           )) AS passed
    FROM people_user u
    WHERE u.is_active AND u.department_id IS NOT NULL
    GROUP BY u.department_id
)
SELECT top.id,
       coalesce(sum(own.eligible), 0),
       coalesce(sum(own.participated), 0),
       coalesce(sum(own.passed), 0)
FROM people_department top
JOIN people_department d ON d.path LIKE top.path || '%%'
LEFT JOIN own ON own.department_id = d.id
GROUP BY top.id
"""


def build(*, staff: int = STAFF) -> int:
    """Departments, staff, a session and its attempts; returns the session id."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from exams.models import Attempt, AttemptStatus, Exam, ExamKind, ExamSession
    from people.models import PATH_STEP, Department, User

    def segment(pk: int) -> str:
        return f"{pk:0{PATH_STEP}d}/"

    bureau = Department.objects.create(name="基准市局", path="tmp-bureau")
    bureau.path, bureau.depth = segment(bureau.pk), 1
    bureau.save(update_fields=["path", "depth"])
    divisions = Department.objects.bulk_create(
        [Department(name=f"处{i}", parent=bureau, path=f"tmp-d{i}") for i in range(DIVISIONS)]
    )
    for division in divisions:
        division.path, division.depth = bureau.path + segment(division.pk), 2
    Department.objects.bulk_update(divisions, ["path", "depth"])
    sections = Department.objects.bulk_create(
        [
            Department(name=f"科{i}", parent=divisions[i % DIVISIONS], path=f"tmp-s{i}")
            for i in range(SECTIONS)
        ]
    )
    for index, section in enumerate(sections):
        section.path, section.depth = divisions[index % DIVISIONS].path + segment(section.pk), 3
    Department.objects.bulk_update(sections, ["path", "depth"], batch_size=1000)

    leaves = [*sections, *divisions[:5]]
    password = make_password("bench-password")
    people = User.objects.bulk_create(
        [
            User(
                username=f"r{i}",
                name=f"职工{i}",
                employee_no=f"R{i:06d}",
                department=leaves[i % len(leaves)],
                is_active=i % 20 != 7,
                is_enforcement_officer=i % 5 == 0,
                password=password,
            )
            for i in range(staff)
        ],
        batch_size=5000,
    )
    exam = Exam.objects.create(
        title="基准年度学法考试", kind=ExamKind.ANNUAL, duration_minutes=60, pass_score=60, max_attempts=2
    )
    now = timezone.now()
    session = ExamSession.objects.create(
        exam=exam,
        title="基准年度学法考试",
        opens_at=now - timedelta(days=5),
        closes_at=now + timedelta(days=5),
    )
    once = min(ATTEMPTS_ONCE, len(people))
    twice = min(ATTEMPTS_TWICE, once)
    rows = []
    for index, person in enumerate(people[:once]):
        in_progress = index % 50 == 3
        passed = index % 7 != 2
        started = session.opens_at + timedelta(minutes=index % 7000)
        rows.append(
            Attempt(
                session=session,
                candidate=person,
                number=1,
                status=AttemptStatus.IN_PROGRESS if in_progress else AttemptStatus.SUBMITTED,
                started_at=started,
                deadline=started + timedelta(hours=1),
                submitted_at=None if in_progress else started + timedelta(minutes=40),
                max_score=100,
                score=None if in_progress else (80 if passed else 40),
                passed=None if in_progress else passed,
            )
        )
    for index, person in enumerate(people[:twice]):
        started = session.opens_at + timedelta(days=1, minutes=index)
        rows.append(
            Attempt(
                session=session,
                candidate=person,
                number=2,
                status=AttemptStatus.SUBMITTED,
                started_at=started,
                deadline=started + timedelta(hours=1),
                submitted_at=started + timedelta(minutes=30),
                max_score=100,
                score=90,
                passed=True,
            )
        )
    Attempt.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return session.pk


def _orm(session_id: int) -> dict[int | None, tuple[int, int, int]]:
    from reports import selectors
    from reports.selectors.common import ReportScope

    report = selectors.participation_report(
        scope=ReportScope(paths=None), cohort=selectors.cohort_for(session=session_id)
    )
    result: dict[int | None, tuple[int, int, int]] = {
        row.department.id: (row.figures.eligible, row.figures.participated, row.figures.passed)
        for row in report.departments
    }
    result[None] = (report.totals.eligible, report.totals.participated, report.totals.passed)
    return result


def _reference(session_id: int, roots: list[int]) -> dict[int | None, tuple[int, int, int]]:
    """The same figures from one hand-written query; the totals are the sums of the roots' subtrees."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_SQL, {"session": session_id})
        rows = cursor.fetchall()
    result: dict[int | None, tuple[int, int, int]] = {pk: (int(e), int(p), int(s)) for pk, e, p, s in rows}
    totals = [result[pk] for pk in roots]
    result[None] = (sum(t[0] for t in totals), sum(t[1] for t in totals), sum(t[2] for t in totals))
    return result


def _time(call: Any, repeats: int) -> tuple[float, list[float]]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), samples


def run(args: argparse.Namespace) -> int:
    from bench.scenarios import GOALS, figure, ms, statements

    staff = getattr(args, "report_staff", STAFF)
    started = time.perf_counter()
    session_id = build(staff=staff)
    figure("participation report: data built", f"{time.perf_counter() - started:.0f} s")

    from people.models import Department

    roots = list(Department.objects.filter(parent__isnull=True).values_list("pk", flat=True))
    orm, reference = _orm(session_id), _reference(session_id, roots)
    mismatches = sum(1 for key in reference if orm.get(key) != reference[key]) + abs(
        len(orm) - len(reference)
    )
    figure("participation report: departments", str(len(orm) - 1))
    figure("participation report: totals (eligible/participated/passed)", "/".join(map(str, orm[None])))
    figure("participation report: figures different from the SQL", str(mismatches), "0", mismatches == 0)
    count = statements(lambda: _orm(session_id))
    figure("participation report: statements", str(count), "constant (4)", count == 4)

    repeats = getattr(args, "report_repeats", 7)
    orm_samples: list[float] = []
    reference_samples: list[float] = []
    for _ in range(repeats):  # alternate, so that drift on a shared machine hits both alike
        orm_samples.append(_time(lambda: _orm(session_id), 1)[0])
        reference_samples.append(_time(lambda: _reference(session_id, roots), 1)[0])
    orm_median, reference_median = statistics.median(orm_samples), statistics.median(reference_samples)
    ratio = orm_median / reference_median
    figure("participation report, median", ms(orm_median))
    figure("hand-written SQL for the same numbers, median", ms(reference_median))
    figure("participation report / hand-written SQL", f"{ratio:.2f} x", "<= 1.5 x", ratio <= 1.5)
    return 0 if all(ok for _name, ok in GOALS) else 1
