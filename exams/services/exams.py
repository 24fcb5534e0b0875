"""Writes to exams (templates with blueprint rules) and their sessions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Field
from django.utils.translation import gettext as _

from common.errors import ValidationFailed
from people.models import Department, User

from ..eligibility import session_eligible_q
from ..errors import BankInsufficient, ExamLocked, GradingLocked, NotEligible
from ..law_areas import law_area_names
from ..models import (
    Attempt,
    AttemptStatus,
    Exam,
    ExamKind,
    ExamRule,
    ExamSession,
    QuestionKind,
    ReviewPolicy,
)
from ..pools import RuleSpec, blueprint_shortfalls, rule_pools
from .attempts.common import drawn_papers_delete

MAX_DURATION_MINUTES = 24 * 60
EXAM_FIELDS = [
    "title",
    "kind",
    "duration_minutes",
    "pass_score",
    "max_attempts",
    "review_policy",
    "shuffle_options",
    "partial_credit",
    "listed_in_practice",
    "validity_years",
]
# What decides the score or the verdict of a submitted attempt: fixed once an attempt was graded.
GRADING_FIELDS = ("pass_score", "partial_credit")
# What decides what candidates are shown or how they are scored: fixed once any attempt exists
# (a change means a new exam). The blueprint rules are fixed with them.
LOCKED_FIELDS = ("kind", "review_policy", "max_attempts", "duration_minutes")
# A practice exam's standing session: open to everyone for this long.
PRACTICE_WINDOW = timedelta(days=365 * 100)


@dataclass(frozen=True)
class RuleIn:
    kind: str
    count: int
    points: int
    category: str = ""


def _check_rules(rules: list[RuleIn]) -> list[RuleIn]:
    if not rules:
        raise ValidationFailed(_("试卷至少要有一条组卷规则。"), field="rules")
    cleaned = []
    law_areas = law_area_names()
    for number, rule in enumerate(rules, start=1):
        label = _("第 %(n)s 条规则") % {"n": number}
        category = (rule.category or "").strip()
        if rule.kind not in QuestionKind.values:
            raise ValidationFailed(
                _("%(rule)s：题型应为 single、multiple 或 judge。") % {"rule": label}, field="rules"
            )
        if category and category not in law_areas:
            raise ValidationFailed(
                _("%(rule)s：分类应为以下之一：%(c)s。") % {"rule": label, "c": "、".join(law_areas)},
                field="rules",
            )
        if rule.count < 1 or rule.points < 1:
            raise ValidationFailed(_("%(rule)s：题数和分值都至少为 1。") % {"rule": label}, field="rules")
        cleaned.append(RuleIn(kind=rule.kind, count=rule.count, points=rule.points, category=category))
    return cleaned


def exam_check(values: dict[str, Any], rules: list[RuleIn]) -> int:
    """Validate an exam's settings (the fields of ``exam_create``) against its rules; returns the maximum score."""
    if not (values.get("title") or "").strip():
        raise ValidationFailed(_("试卷名称不能为空。"), field="title")
    if values["kind"] not in ExamKind.values:
        raise ValidationFailed(_("考试类型应为 annual、qualification 或 practice。"), field="kind")
    if values["review_policy"] not in ReviewPolicy.values:
        raise ValidationFailed(
            _("查看答案的方式应为 after_submit、after_close 或 never。"), field="review_policy"
        )
    if values["kind"] == ExamKind.PRACTICE and values["review_policy"] != ReviewPolicy.AFTER_SUBMIT:
        raise ValidationFailed(_("练习卷交卷后即可查看答案与解析（after_submit）。"), field="review_policy")
    if not 1 <= values["duration_minutes"] <= MAX_DURATION_MINUTES:
        raise ValidationFailed(
            _("考试时长应在 1 到 %(max)s 分钟之间。") % {"max": MAX_DURATION_MINUTES},
            field="duration_minutes",
        )
    if values["max_attempts"] < 1:
        raise ValidationFailed(_("允许作答次数至少为 1。"), field="max_attempts")
    if (
        values["kind"] != ExamKind.PRACTICE
        and values["review_policy"] == ReviewPolicy.AFTER_SUBMIT
        and values["max_attempts"] > 1
    ):
        # The keys of a first attempt would be read before the retake.
        raise ValidationFailed(
            _("允许多次作答的正式考试不能交卷后即查看答案，请选择场次结束后可查看或不可查看。"),
            field="review_policy",
        )
    max_score = sum(rule.count * rule.points for rule in rules)
    if not 1 <= values["pass_score"] <= max_score:
        raise ValidationFailed(
            _("及格分应在 1 到满分 %(max)s 之间。") % {"max": max_score}, field="pass_score"
        )
    return max_score


@transaction.atomic
def exam_create(
    *,
    title: str,
    kind: str,
    duration_minutes: int,
    pass_score: int,
    rules: list[RuleIn],
    max_attempts: int = 1,
    review_policy: str = ReviewPolicy.AFTER_CLOSE,
    shuffle_options: bool = True,
    partial_credit: bool = False,
    listed_in_practice: bool = True,
    validity_years: int = 3,
    actor: User | None = None,
) -> Exam:
    """Create an exam with its blueprint. The bank is checked when a session is scheduled.

    ``listed_in_practice=False`` keeps a practice exam out of the practice list and
    ``practice_start``: for one that another app starts itself (a course's quiz).
    """
    cleaned = _check_rules(rules)
    values = {
        "title": (title or "").strip(),
        "kind": kind,
        "duration_minutes": duration_minutes,
        "pass_score": pass_score,
        "max_attempts": max_attempts,
        "review_policy": review_policy,
        "shuffle_options": shuffle_options,
        "partial_credit": partial_credit,
        "listed_in_practice": listed_in_practice,
        "validity_years": validity_years,
    }
    max_score = exam_check(values, cleaned)
    exam = Exam.objects.create(**values, max_score=max_score, created_by=actor)
    _write_rules(exam, cleaned)
    return exam


def exam_check_grading_change(*, exam: Exam, values: dict[str, Any]) -> None:
    """Refuse (``GradingLocked``, naming the field) a new pass score or partial-credit rule for an
    exam with submitted attempts: their scores and ``passed`` flags were decided by the old ones.

    ``values`` holds the exam's settings as they would be; they are compared with the stored row.
    """
    stored = Exam.objects.filter(pk=exam.pk).values(*GRADING_FIELDS).first()
    if stored is None:
        return
    changed = [name for name in GRADING_FIELDS if name in values and values[name] != stored[name]]
    if not changed:
        return
    if Attempt.objects.filter(session__exam_id=exam.pk, status=AttemptStatus.SUBMITTED).exists():
        field = Exam._meta.get_field(changed[0])
        assert isinstance(field, Field)
        label = str(field.verbose_name)
        raise GradingLocked(
            _("本试卷已有考生交卷，不能再修改“%(field)s”：已评定的成绩和是否及格会与新设置不符。")
            % {"field": label},
            field=changed[0],
        )


def _rule_tuples(rules: Iterable[RuleIn | ExamRule]) -> list[tuple[str, str, int, int]]:
    return [(rule.kind, rule.category or "", rule.count, rule.points) for rule in rules]


def exam_check_locked_change(
    *, exam: Exam, values: dict[str, Any], rules: list[RuleIn] | None = None
) -> None:
    """Refuse (``ExamLocked``, naming the field) a change of kind, review policy, attempts allowed,
    duration or blueprint rules once the exam has an attempt: the papers drawn, the deadlines set
    and the keys withheld were decided by them, so a change means a new exam.

    ``values`` holds the settings as they would be and ``rules`` the new blueprint (None: unchanged);
    both are compared with the stored exam. Two queries at most, none when nothing locked changes.
    """
    changed = _locked_changes(exam=exam, values=values, rules=rules)
    if not changed or not Attempt.objects.filter(session__exam_id=exam.pk).exists():
        return
    if changed[0] == "rules":
        label = str(_("组卷规则"))
    else:
        field = Exam._meta.get_field(changed[0])
        assert isinstance(field, Field)
        label = str(field.verbose_name)
    raise ExamLocked(
        _("本试卷已有考生作答，不能再修改“%(field)s”；如需调整，请新建试卷模板。") % {"field": label},
        field=changed[0],
    )


def _locked_changes(*, exam: Exam, values: dict[str, Any], rules: list[RuleIn] | None) -> list[str]:
    """The locked settings (and ``"rules"``) that ``values`` and ``rules`` would change."""
    stored = Exam.objects.filter(pk=exam.pk).values(*LOCKED_FIELDS).first()
    if stored is None:
        return []
    changed = [name for name in LOCKED_FIELDS if name in values and values[name] != stored[name]]
    if rules is not None and _rule_tuples(rules) != _rule_tuples(
        ExamRule.objects.filter(exam_id=exam.pk).order_by("position", "id")
    ):
        changed.append("rules")
    return changed


@transaction.atomic
def exam_update(*, exam: Exam, rules: list[RuleIn] | None = None, **changes: Any) -> Exam:
    """Change an exam's settings and/or replace its rules. Papers already drawn are unaffected.

    The pass score and partial credit cannot change once an attempt of the exam is submitted
    (see :func:`exam_check_grading_change`); kind, review policy, attempts allowed, duration and
    the rules not once any attempt exists (see :func:`exam_check_locked_change`). Refused, nothing changes.

    Papers drawn ahead and not yet claimed were drawn by the settings a permitted change replaces,
    so such a change discards them (the beat task draws them again, a start draws one on demand).
    They are locked first, so no start can claim one while the change is checked and written.
    """
    allowed = set(EXAM_FIELDS)
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(
            _("不能修改字段：%(f)s。") % {"f": "、".join(sorted(unknown))}, field=sorted(unknown)[0]
        )
    exam_check_grading_change(exam=exam, values=changes)
    drawn = Attempt.with_drawn.filter(session__exam_id=exam.pk, status=AttemptStatus.DRAWN)
    list(drawn.select_for_update(of=("self",)).values_list("pk", flat=True))
    new_rules = _check_rules(rules) if rules is not None else None
    exam_check_locked_change(exam=exam, values=changes, rules=new_rules)
    redrawn = bool(_locked_changes(exam=exam, values=changes, rules=new_rules))
    cleaned = (
        _check_rules(rules)
        if rules is not None
        else [
            RuleIn(kind=r.kind, count=r.count, points=r.points, category=r.category) for r in exam.rules.all()
        ]
    )
    values = {name: changes.get(name, getattr(exam, name)) for name in allowed}
    values["title"] = (values["title"] or "").strip()
    exam.max_score = exam_check(values, cleaned)
    for name, value in values.items():
        setattr(exam, name, value)
    exam.save()
    if rules is not None:
        exam.rules.all().delete()
        _write_rules(exam, cleaned)
    if redrawn:
        drawn_papers_delete(drawn)
    return exam


def _write_rules(exam: Exam, rules: list[RuleIn]) -> None:
    ExamRule.objects.bulk_create(
        [
            ExamRule(
                exam=exam,
                position=position,
                kind=rule.kind,
                category=rule.category,
                count=rule.count,
                points=rule.points,
            )
            for position, rule in enumerate(rules, start=1)
        ]
    )


def exam_rule_specs(exam: Exam) -> list[RuleSpec]:
    return [
        RuleSpec(number=number, kind=rule.kind, category=rule.category, count=rule.count, points=rule.points)
        for number, rule in enumerate(exam.rules.all(), start=1)
    ]


def exam_bank_shortfalls(exam: Exam) -> list[str]:
    """Why the active bank cannot fill this exam's blueprint (empty when it can)."""
    specs = exam_rule_specs(exam)
    return blueprint_shortfalls(specs, rule_pools([spec.pool_key for spec in specs]))


# Sessions are scheduled within this range of years; anything else is a typing slip.
SESSION_YEARS = (2000, 2100)


def _check_window(opens_at: datetime, closes_at: datetime) -> None:
    if opens_at is None or closes_at is None:
        raise ValidationFailed(
            _("请填写开始时间和结束时间。"), field="opens_at" if opens_at is None else "closes_at"
        )
    for field, moment in (("opens_at", opens_at), ("closes_at", closes_at)):
        if not SESSION_YEARS[0] <= moment.year <= SESSION_YEARS[1]:
            raise ValidationFailed(
                _("时间应在 %(a)s 年至 %(b)s 年之间。") % {"a": SESSION_YEARS[0], "b": SESSION_YEARS[1]},
                field=field,
            )
    if not opens_at < closes_at:
        raise ValidationFailed(_("结束时间必须晚于开始时间。"), field="closes_at")


def _check_bank(exam: Exam) -> None:
    shortfalls = exam_bank_shortfalls(exam)
    if shortfalls:
        raise BankInsufficient(
            _("题库不足以按该试卷组卷：%(p)s。") % {"p": "；".join(shortfalls)}, field="exam"
        )


@transaction.atomic
def session_schedule(
    *,
    exam: Exam,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    departments: Iterable[Department] = (),
    enforcement_officers_only: bool = False,
    actor: User | None = None,
) -> ExamSession:
    """Schedule a session of an exam for an audience.

    Refused when the window is empty (``closes_at`` not after ``opens_at``) or when
    the active bank cannot fill the exam's blueprint (``BankInsufficient``, naming
    each rule that falls short).
    """
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(_("场次名称不能为空。"), field="title")
    _check_window(opens_at, closes_at)
    _check_bank(exam)
    session = ExamSession.objects.create(
        exam=exam,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        enforcement_officers_only=enforcement_officers_only,
        created_by=actor,
    )
    departments = list(departments)
    if departments:
        session.departments.set(departments)
    return session


@transaction.atomic
def session_update(
    *, session: ExamSession, departments: Iterable[Department] | None = None, **changes: Any
) -> ExamSession:
    """Change a session's title, window or audience. Attempts already started keep their deadlines."""
    allowed = {"title", "opens_at", "closes_at", "enforcement_officers_only"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(
            _("不能修改字段：%(f)s。") % {"f": "、".join(sorted(unknown))}, field=sorted(unknown)[0]
        )
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip()
        if not changes["title"]:
            raise ValidationFailed(_("场次名称不能为空。"), field="title")
    _check_window(changes.get("opens_at", session.opens_at), changes.get("closes_at", session.closes_at))
    for name, value in changes.items():
        setattr(session, name, value)
    if changes:
        session.save(update_fields=list(changes))
    if departments is not None:
        session.departments.set(list(departments))
    return session


@transaction.atomic
def practice_session_for(*, exam: Exam, candidate: User, now: datetime) -> ExamSession:
    """The practice exam's open session ``candidate`` may use; one open to everyone if it has none open.

    A practice exam is always available: when no session of it is open now, a
    session open to everyone from now for a century is scheduled. If sessions are
    open but none admits the candidate, ``NotEligible``.
    """
    if exam.kind != ExamKind.PRACTICE:
        raise ValidationFailed(_("只能用练习卷练习。"), field="exam")
    open_sessions = ExamSession.objects.filter(exam=exam, opens_at__lte=now, closes_at__gt=now)
    session = open_sessions.filter(session_eligible_q(candidate)).order_by("-opens_at", "-id").first()
    if session is not None:
        return session
    if open_sessions.exists():
        raise NotEligible(_("您不在该练习的参加范围内。"))
    return practice_session_open(exam=exam, now=now)


@transaction.atomic
def practice_session_open(*, exam: Exam, now: datetime) -> ExamSession:
    """An open session of the practice exam: the newest open one, or a new one open to everyone."""
    if exam.kind != ExamKind.PRACTICE:
        raise ValidationFailed(_("只能用练习卷练习。"), field="exam")
    session = (
        ExamSession.objects.filter(exam=exam, opens_at__lte=now, closes_at__gt=now)
        .order_by("-opens_at", "-id")
        .first()
    )
    if session is not None:
        return session
    _check_bank(exam)
    return ExamSession.objects.create(
        exam=exam, title=exam.title, opens_at=now, closes_at=now + PRACTICE_WINDOW
    )
