"""Roster import (花名册导入): upsert staff by employee number, all or nothing.

An import changes only the columns its header has: without 是否执法人员, 邮箱 or 在职 everyone
keeps their value of it (a newcomer gets the default). A newcomer's 初始密码 must pass the
password validators. Only a superuser may change a superuser's row (the staff API's rule),
and a deactivation ends the person's API tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import ValidationFailed
from common.spreadsheets import parse_yes_no, read_rows

from .errors import SuperuserProtected
from .logins import tokens_revoke
from .models import RosterImport, User
from .services import department_ensure_path, department_name_paths, password_problems, staff_change_check

H_EMPLOYEE_NO = "工号"
H_NAME = "姓名"
H_DEPARTMENT = "单位"
H_ENFORCEMENT = "是否执法人员"
H_USERNAME = "用户名"
H_EMAIL = "邮箱"
H_ACTIVE = "在职"
H_PASSWORD = "初始密码"

TEMPLATE_HEADERS = [
    H_EMPLOYEE_NO,
    H_NAME,
    H_DEPARTMENT,
    H_ENFORCEMENT,
    H_USERNAME,
    H_EMAIL,
    H_ACTIVE,
    H_PASSWORD,
]
REQUIRED_HEADERS = [H_EMPLOYEE_NO, H_NAME, H_DEPARTMENT]
TEMPLATE_EXAMPLE = [
    ["A0001", "张三", "市司法局/法制科", "是", "zhangsan", "zhangsan@example.gov.cn", "是", ""],
    ["A0002", "李四", "市司法局/办公室/综合科", "否", "", "", "是", ""],
]
CHUNK = 900


# The longest text each column may hold (the model's max_length).
MAX_LENGTHS = {H_EMPLOYEE_NO: 32, H_NAME: 50, H_USERNAME: 150, H_EMAIL: 254, H_PASSWORD: 128}
# Columns an import may leave out: a file without one changes nobody's value of it.
OPTIONAL_FIELDS = {H_ENFORCEMENT: "is_enforcement_officer", H_EMAIL: "email", H_ACTIVE: "is_active"}
NEWCOMER_DEFAULTS: dict[str, Any] = {"is_enforcement_officer": False, "email": "", "is_active": True}


@dataclass
class RosterRow:
    number: int
    employee_no: str
    name: str
    department_names: list[str]
    username: str
    password: str
    # Only the optional columns present in the file's header: field name → value.
    optional: dict[str, Any] = field(default_factory=dict)


@dataclass
class RosterResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    departments_created: int = 0
    import_id: int | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)


def roster_parse(file: IO[bytes], *, filename: str) -> list[RosterRow]:
    """Read and check every row; raise one error listing every bad row."""
    rows = read_rows(file, filename=filename, required_headers=REQUIRED_HEADERS)
    errors: list[dict[str, Any]] = []
    parsed: list[RosterRow] = []
    seen_numbers: dict[str, int] = {}
    seen_usernames: dict[str, int] = {}

    def fault(number: int, column: str, message: str) -> None:
        errors.append({"row": number, "field": column, "message": message})

    for row in rows:
        v = row.values
        employee_no = v.get(H_EMPLOYEE_NO, "")
        name = v.get(H_NAME, "")
        department_names = [part.strip() for part in v.get(H_DEPARTMENT, "").split("/") if part.strip()]
        enforcement = parse_yes_no(v.get(H_ENFORCEMENT, ""))
        active = parse_yes_no(v.get(H_ACTIVE, "") or "是")
        username = v.get(H_USERNAME, "")
        ok = True
        for column, limit in MAX_LENGTHS.items():
            if len(v.get(column, "")) > limit:
                fault(row.number, column, _("不能超过 %(max)s 个字符") % {"max": limit})
                ok = False
        if not employee_no:
            fault(row.number, H_EMPLOYEE_NO, _("工号不能为空"))
            ok = False
        elif employee_no in seen_numbers:
            fault(
                row.number,
                H_EMPLOYEE_NO,
                _("工号 %(no)s 与第 %(row)s 行重复") % {"no": employee_no, "row": seen_numbers[employee_no]},
            )
            ok = False
        if not name:
            fault(row.number, H_NAME, _("姓名不能为空"))
            ok = False
        if not department_names:
            fault(row.number, H_DEPARTMENT, _("单位不能为空，多级单位用“/”分隔"))
            ok = False
        if enforcement is None:
            fault(
                row.number,
                H_ENFORCEMENT,
                _("应填“是”或“否”，而不是“%(value)s”") % {"value": v.get(H_ENFORCEMENT)},
            )
            ok = False
        if active is None:
            fault(row.number, H_ACTIVE, _("应填“是”或“否”，而不是“%(value)s”") % {"value": v.get(H_ACTIVE)})
            ok = False
        if username and username in seen_usernames:
            fault(
                row.number,
                H_USERNAME,
                _("用户名 %(u)s 与第 %(row)s 行重复") % {"u": username, "row": seen_usernames[username]},
            )
            ok = False
        if employee_no:
            seen_numbers.setdefault(employee_no, row.number)
        if username:
            seen_usernames.setdefault(username, row.number)
        if ok:
            given = {H_ENFORCEMENT: bool(enforcement), H_EMAIL: v.get(H_EMAIL, ""), H_ACTIVE: bool(active)}
            parsed.append(
                RosterRow(
                    number=row.number,
                    employee_no=employee_no,
                    name=name,
                    department_names=department_names,
                    username=username,
                    password=v.get(H_PASSWORD, ""),
                    optional={attr: given[column] for column, attr in OPTIONAL_FIELDS.items() if column in v},
                )
            )
    # An empty username keeps the one the person has, or is the employee number for a newcomer.
    current: dict[str | None, str] = {}
    numbers = [row.employee_no for row in parsed]
    for start in range(0, len(numbers), CHUNK):
        current.update(
            User.objects.filter(employee_no__in=numbers[start : start + CHUNK]).values_list(
                "employee_no", "username"
            )
        )
    for parsed_row in parsed:
        if not parsed_row.username:
            parsed_row.username = current.get(parsed_row.employee_no, parsed_row.employee_no)
    # A newcomer's initial password passes the password validators, as on every other path.
    for parsed_row in parsed:
        if parsed_row.password and parsed_row.employee_no not in current:
            candidate = User(
                username=parsed_row.username,
                name=parsed_row.name,
                employee_no=parsed_row.employee_no,
                email=parsed_row.optional.get("email", ""),
            )
            for problem in password_problems(password=parsed_row.password, user=candidate):
                fault(parsed_row.number, H_PASSWORD, problem)
    # Usernames already held by someone with another employee number.
    by_username = {item.username: item for item in parsed}
    usernames = list(by_username)
    for start in range(0, len(usernames), CHUNK):
        holders = User.objects.filter(username__in=usernames[start : start + CHUNK]).values_list(
            "username", "employee_no"
        )
        for held_username, holder_no in holders:
            holder_row = by_username[held_username]
            if holder_no != holder_row.employee_no:
                fault(
                    holder_row.number, H_USERNAME, _("用户名 %(u)s 已被其他人员使用") % {"u": held_username}
                )
    if errors:
        errors.sort(key=lambda error: error["row"])
        raise ValidationFailed(
            _("花名册有 %(count)s 处错误，未导入任何数据。") % {"count": len(errors)},
            field="file",
            errors=errors,
        )
    if not parsed:
        raise ValidationFailed(_("文件中没有人员数据。"), field="file")
    return parsed


@transaction.atomic
def roster_import(*, file: IO[bytes], filename: str, actor: User | None) -> RosterResult:
    """Upsert staff by employee number; create missing departments by path; record the change."""
    rows = roster_parse(file, filename=filename)
    result = RosterResult()
    cache = department_name_paths()
    department_of: dict[int, int] = {}
    for row in rows:
        department, created = department_ensure_path(names=row.department_names, cache=cache)
        result.departments_created += created
        department_of[row.number] = department.pk

    existing: dict[str, User] = {}
    numbers = [row.employee_no for row in rows]
    for start in range(0, len(numbers), CHUNK):
        for user in User.objects.filter(employee_no__in=numbers[start : start + CHUNK]):
            existing[user.employee_no or ""] = user

    unusable = make_password(None)
    hashed: dict[str, str] = {}
    to_create: list[User] = []
    to_update: list[User] = []
    deactivated: list[User] = []
    protected: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for row in rows:
        values = {
            "username": row.username,
            "name": row.name,
            "department_id": department_of[row.number],
            **row.optional,
        }
        current_user = existing.get(row.employee_no)
        if current_user is None:
            if row.password and row.password not in hashed:
                hashed[row.password] = make_password(row.password)
            created_values = {**NEWCOMER_DEFAULTS, **values}
            to_create.append(
                User(
                    employee_no=row.employee_no, password=hashed.get(row.password, unusable), **created_values
                )
            )
            changes.append({"employee_no": row.employee_no, "before": None, "after": created_values})
            continue
        before = {name: getattr(current_user, name) for name in values}
        if before == values:
            result.unchanged += 1
            continue
        try:
            staff_change_check(user=current_user, actor=actor)
        except SuperuserProtected as refusal:
            protected.append({"row": row.number, "field": H_EMPLOYEE_NO, "message": refusal.message})
            continue
        if current_user.is_active and values.get("is_active") is False:
            deactivated.append(current_user)
        for name, value in values.items():
            setattr(current_user, name, value)
        to_update.append(current_user)
        changes.append(
            {
                "employee_no": row.employee_no,
                "before": {k: v for k, v in before.items() if v != values[k]},
                "after": {k: v for k, v in values.items() if v != before[k]},
            }
        )
    if protected:
        raise SuperuserProtected(
            _("花名册中有超级管理员的账号，只有超级管理员可以修改，未导入任何数据。"),
            field="file",
            errors=protected,
        )
    User.objects.bulk_create(to_create, batch_size=500)
    User.objects.bulk_update(
        to_update, ["username", "name", "department_id", *OPTIONAL_FIELDS.values()], batch_size=500
    )
    tokens_revoke(users=deactivated)
    result.created = len(to_create)
    result.updated = len(to_update)
    record = RosterImport.objects.create(
        actor=actor,
        filename=filename,
        created_count=result.created,
        updated_count=result.updated,
        departments_created=result.departments_created,
        changes=changes,
    )
    result.import_id = record.pk
    return result
