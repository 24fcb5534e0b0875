"""Credential figures of the known bureau (tests/reports/conftest.py, ``credentialed_bureau``), number
by number: the department report, the people at risk, and the year's credentials granted, suspended
and revoked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reports import selectors
from reports.errors import InvalidReportQuery
from reports.selectors.common import ReportScope

from .conftest import TODAY, YEAR

pytestmark = pytest.mark.django_db

# valid, suspended, revoked, expiring, review failed, officers, officers not enforcing, at risk
ZERO = (0, 0, 0, 0, 0, 0, 0, 0)


def by_name(report: selectors.CredentialReport) -> dict[str, tuple[int, ...]]:
    return {row.department.name: tuple(row.figures.as_dict().values()) for row in report.departments}


def test_every_credential_figure_for_the_administrator(credentialed_bureau):
    # when
    report = selectors.credential_report(scope=ReportScope(paths=None), today=TODAY)
    # then: a4 left and is in no figure; c1 has no department and is in the totals only
    assert by_name(report) == {
        "市局": (3, 1, 1, 1, 1, 5, 3, 4),
        "一处": (1, 1, 1, 1, 0, 3, 2, 3),
        "一科": (1, 1, 1, 1, 0, 3, 2, 3),
        "二科": ZERO,
        "二处": (2, 0, 0, 0, 1, 2, 1, 1),
        "上级机关": ZERO,
    }
    assert report.totals.as_dict() == {
        "valid": 4,
        "suspended": 1,
        "revoked": 1,
        "expiring": 1,
        "review_failed": 1,
        "officers": 6,
        "officers_not_enforcing": 3,
        "at_risk": 4,
    }


def test_the_expiry_window_is_the_credentials_apps_90_days_both_ends_included(credentialed_bureau):
    # a1's credential is valid until 2027-01-09: 55 days after TODAY
    until = credentialed_bureau.people["a1"].credentials.get().valid_until
    last_day_in = until - timedelta(days=90)
    assert selectors.credential_report(scope=ReportScope(paths=None), today=last_day_in).totals.expiring == 1
    assert (
        selectors.credential_report(
            scope=ReportScope(paths=None), today=last_day_in - timedelta(days=1)
        ).totals.expiring
        == 0
    )
    assert selectors.credential_report(scope=ReportScope(paths=None), today=until).totals.expiring == 1


def test_a_leader_sees_exactly_the_credentials_of_their_subtree(credentialed_bureau):
    report = selectors.credential_report(
        scope=selectors.report_scope(credentialed_bureau.leader), today=TODAY
    )
    assert by_name(report) == {
        "一处": (1, 1, 1, 1, 0, 3, 2, 3),
        "一科": (1, 1, 1, 1, 0, 3, 2, 3),
        "二科": ZERO,
    }
    assert tuple(report.totals.as_dict().values()) == (1, 1, 1, 1, 0, 3, 2, 3)


@pytest.mark.parametrize(
    ("which", "names"),
    [
        ("at_risk", ["甲一", "甲二", "甲三", "乙一"]),
        ("expiring", ["甲一"]),
        ("suspended", ["甲二"]),
        ("review_failed", ["乙一"]),
        ("not_enforcing", ["甲二", "甲三", "乙一"]),
    ],
)
def test_the_named_people_whose_credential_is_at_risk(credentialed_bureau, which, names):
    people = selectors.credential_people(scope=ReportScope(paths=None), today=TODAY, which=which)
    assert [person.name for person in people] == names


def test_each_person_at_risk_carries_their_reasons_and_current_credential(credentialed_bureau):
    people = selectors.credential_people(
        scope=selectors.report_scope(credentialed_bureau.leader), today=TODAY, which="at_risk"
    )
    rows = [
        (
            person.name,
            selectors.risks_of(person),
            person.credential_status,
            str(person.credential_valid_until),
        )
        for person in people
    ]
    assert rows == [
        ("甲一", ["即将到期"], "valid", "2027-01-09"),
        ("甲二", ["暂扣", "执法人员不得执法"], "suspended", "2029-02-28"),
        ("甲三", ["执法人员不得执法"], "revoked", "2028-02-29"),
    ]
    within = selectors.credential_people(
        scope=ReportScope(paths=None), today=TODAY, department=credentialed_bureau.division2
    )
    assert [(p.name, selectors.risks_of(p)) for p in within] == [("乙一", ["年审不合格", "执法人员不得执法"])]


def test_an_unknown_list_names_the_parameter(credentialed_bureau):
    with pytest.raises(InvalidReportQuery) as caught:
        selectors.credential_people(scope=ReportScope(paths=None), today=TODAY, which="everyone")
    assert caught.value.field == "list"


def test_a_bureau_without_credentials_is_all_zeros(known_bureau):
    report = selectors.credential_report(scope=ReportScope(paths=None), today=TODAY)
    assert {tuple(row.figures.as_dict().values()) for row in report.departments} == {ZERO}
    assert tuple(report.totals.as_dict().values()) == ZERO


def test_the_years_credentials_granted_suspended_and_revoked(credentialed_bureau):
    from datetime import date

    everything = selectors.annual_figures(scope=ReportScope(paths=None), year=YEAR, today=date(YEAR, 12, 31))
    # granted in 2026: a2, a4 (since left), b2, c1; a2 suspended; a3 revoked
    assert everything["credentials"] == {"granted": 4, "suspended": 1, "revoked": 1}
    assert "全年新发执法证 4 个，暂扣 1 个，吊销 1 个。" in selectors.annual_sentences(everything)
    rows = {row["label"]: row["value"] for row in selectors.figure_rows(everything)}
    assert (rows["新发执法证（个）"], rows["暂扣执法证（个）"], rows["吊销执法证（个）"]) == ("4", "1", "1")
    leader = selectors.annual_figures(
        scope=selectors.report_scope(credentialed_bureau.leader), year=YEAR, today=date(YEAR, 12, 31)
    )
    assert leader["credentials"] == {"granted": 2, "suspended": 1, "revoked": 1}
    earlier = selectors.annual_figures(
        scope=ReportScope(paths=None), year=YEAR - 1, today=date(YEAR - 1, 12, 31)
    )
    assert earlier["credentials"] == {"granted": 2, "suspended": 0, "revoked": 0}
    assert selectors.annual_figures(scope=ReportScope(paths=None), year=2001, today=date(2001, 12, 31))[
        "credentials"
    ] == {"granted": 0, "suspended": 0, "revoked": 0}


def test_a_snapshot_published_before_credentials_were_counted_compares_without_them(credentialed_bureau):
    from datetime import date

    now = selectors.annual_figures(scope=ReportScope(paths=None), year=YEAR, today=date(YEAR, 12, 31))
    old = {**now, "version": 1, "credentials": None}
    rows = {
        row["key"]: row for row in selectors.figure_rows(old, against=now) if row["section"] == "credentials"
    }
    assert (rows["granted"]["value"], rows["granted"]["recount"], rows["granted"]["difference"]) == (
        "—",
        "4",
        "",
    )
    assert not any("执法证" in sentence for sentence in selectors.annual_sentences(old))


@pytest.mark.parametrize("which", ["at_risk", "expiring", "suspended", "review_failed", "not_enforcing"])
def test_each_list_is_the_credentials_apps_own_rule_the_nudge_reminds_by(credentialed_bureau, which):
    from credentials.selectors import people_at_risk

    listed = selectors.credential_people(scope=ReportScope(paths=None), today=TODAY, which=which)
    assert {person.pk for person in listed} == set(
        people_at_risk(reason=which, on=TODAY).values_list("pk", flat=True)
    )
