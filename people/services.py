"""Every write to departments and staff."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from common.errors import ValidationFailed

from .errors import SuperuserProtected
from .logins import tokens_revoke
from .models import PATH_STEP, Department, User
from .scope import EXAM_ADMIN_GROUP


def _segment(pk: int) -> str:
    return f"{pk:0{PATH_STEP}d}/"


@transaction.atomic
def department_create(*, name: str, parent: Department | None = None) -> Department:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("单位名称不能为空。"), field="name")
    if Department.objects.filter(parent=parent, name=name).exists():
        raise ValidationFailed(_("同一上级单位下已有名为“%(name)s”的单位。") % {"name": name}, field="name")
    department = Department.objects.create(name=name, parent=parent, path=f"tmp-{uuid.uuid4().hex}")
    department.path = (parent.path if parent else "") + _segment(department.pk)
    department.depth = department.path.count("/")
    department.save(update_fields=["path", "depth"])
    return department


@transaction.atomic
def department_update(*, department: Department, name: str | None = None, parent: Any = ...) -> Department:
    """Rename and/or move a department; moving re-roots its whole subtree in one statement."""
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationFailed(_("单位名称不能为空。"), field="name")
        department.name = name
        department.save(update_fields=["name"])
    if parent is not ...:
        if parent is not None and parent.path.startswith(department.path):
            raise ValidationFailed(_("不能把单位移到它自己或它的下级单位之下。"), field="parent")
        old = department.path
        new = (parent.path if parent else "") + _segment(department.pk)
        if new != old:
            Department.objects.filter(path__startswith=old).update(
                path=Concat(Value(new), Substr("path", len(old) + 1)),
                depth=F("depth") + (new.count("/") - old.count("/")),
            )
            department.parent = parent
            department.save(update_fields=["parent"])
            department.refresh_from_db(fields=["path", "depth"])
    return department


def department_ensure_path(
    *, names: list[str], cache: dict[tuple[str, ...], Department]
) -> tuple[Department, int]:
    """Find or create the department at the end of ``names`` (from the root down).

    ``cache`` comes from :func:`department_name_paths` and is kept up to date here.
    Returns the department and how many departments were created.
    """
    created = 0
    parent: Department | None = None
    for depth in range(1, len(names) + 1):
        key = tuple(names[:depth])
        department = cache.get(key)
        if department is None:
            department = department_create(name=names[depth - 1], parent=parent)
            cache[key] = department
            created += 1
        parent = department
    assert parent is not None
    return parent, created


def department_name_paths() -> dict[tuple[str, ...], Department]:
    """Every department by its names from the root down, from one query (for imports)."""
    by_id: dict[int, tuple[str, ...]] = {}
    result: dict[tuple[str, ...], Department] = {}
    for department in Department.objects.order_by("path"):
        names = (*by_id.get(department.parent_id or 0, ()), department.name)
        by_id[department.pk] = names
        result[names] = department
    return result


@transaction.atomic
def staff_create(
    *,
    username: str,
    name: str,
    department: Department | None,
    password: str | None = None,
    employee_no: str | None = None,
    is_enforcement_officer: bool = False,
    leader_of: Iterable[Department] = (),
    is_exam_admin: bool = False,
    email: str = "",
    is_active: bool = True,
) -> User:
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(_("用户名“%(username)s”已被使用。") % {"username": username}, field="username")
    if employee_no and User.objects.filter(employee_no=employee_no).exists():
        raise ValidationFailed(_("工号“%(no)s”已被使用。") % {"no": employee_no}, field="employee_no")
    user = User(
        username=username,
        name=name,
        department=department,
        employee_no=employee_no or None,
        is_enforcement_officer=is_enforcement_officer,
        email=email,
        is_active=is_active,
    )
    if password:
        password_check(password=password, user=user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    if leader_of:
        user.leader_of.set(leader_of)
    if is_exam_admin:
        user.groups.add(exam_admin_group())
    return user


@transaction.atomic
def staff_update(*, user: User, actor: User, **fields: Any) -> User:
    """Change a staff member; ``password``, ``leader_of`` and ``is_exam_admin`` are handled apart.

    Only a superuser may change a superuser's account (:func:`staff_change_check`). A new
    password must pass the password validators; it is recorded in the audit log as a change,
    without its value. A new password or a deactivation ends the person's API tokens.
    """
    staff_change_check(user=user, actor=actor)
    was_active = user.is_active
    password = fields.pop("password", None)
    leader_of = fields.pop("leader_of", None)
    exam_admin = fields.pop("is_exam_admin", None)
    employee_no = fields.get("employee_no")
    if employee_no and User.objects.filter(employee_no=employee_no).exclude(pk=user.pk).exists():
        raise ValidationFailed(_("工号“%(no)s”已被使用。") % {"no": employee_no}, field="employee_no")
    for field, value in fields.items():
        setattr(user, field, value)
    if password:
        password_check(password=password, user=user)
        user.set_password(password)
    if fields or password:
        user.save(update_fields=[*fields, *(["password"] if password else [])])
    if password:
        LogEntry.objects.log_create(
            user, force_log=True, action=LogEntry.Action.UPDATE, changes={"password": ["******", _("已重设")]}
        )
    if password or (was_active and not user.is_active):
        tokens_revoke(users=[user])
    if leader_of is not None:
        user.leader_of.set(leader_of)
    if exam_admin is not None:
        (user.groups.add if exam_admin else user.groups.remove)(exam_admin_group())
    return user


def staff_change_check(*, user: User, actor: User | None) -> None:
    """Only a superuser may change a superuser's account: the API, the roster import and the admin alike."""
    if user.is_superuser and not (actor is not None and actor.is_superuser):
        raise SuperuserProtected(_("只有超级管理员可以修改超级管理员的账号。"))


def password_problems(*, password: str, user: User) -> list[str]:
    """What Django's password validators (AUTH_PASSWORD_VALIDATORS) find wrong with ``password`` for ``user``."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as error:
        return list(error.messages)
    return []


def password_check(*, password: str, user: User, field: str = "password") -> None:
    """Refuse a password the validators find fault with; the refusal names ``field``."""
    problems = password_problems(password=password, user=user)
    if problems:
        raise ValidationFailed(_("密码不符合要求：%(reasons)s") % {"reasons": "".join(problems)}, field=field)


def exam_admin_group() -> Group:
    group, _created = Group.objects.get_or_create(name=EXAM_ADMIN_GROUP)
    return group
