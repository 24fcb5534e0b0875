"""Every write of the reminders. Import from here: ``from reminders import services``.

Rules (``services/rules.py``)
    rule_check(data: RuleIn) -> None   (RuleInvalid or UnknownPlaceholder naming the field)
    rule_create(*, data: RuleIn, actor) -> ReminderRule
    rule_update(*, rule, data: RuleIn) -> ReminderRule
    rule_in(rule) -> RuleIn   (a rule's values, to edit)
    rule_set_active(*, rule, is_active: bool) -> ReminderRule   (pause, resume)
    rule_delete(*, rule) -> None
    default_rules_ensure(*, now, session=None, plan=None) -> int   (rules created; once per session/plan,
        and the bureau-wide credential defaults once)

Delivery (``services/delivery.py``; its docstring states the contract: no doubles, no losses)
    occasions_create_due(*, now) -> int
    occasion_plan(*, occasion_id, now) -> int   /   occasions_plan(*, now) -> int   (batches created)
    batches_claim(*, now) -> list[int]   (batch ids to enqueue: new, or past their lease)
    sends_due(*, now) -> list[(occasion_id, channel)]
    batch_fan_out(*, batch_id, now) -> list[(occasion_id, channel)]   (INSERT … SELECT, once)
    deliveries_insert(*, occasion, first_person_id, last_person_id, now) -> int
    deliveries_send(*, occasion_id, channel, now) -> SendResult(sent, skipped, failed, waiting)

Nudge (``services/nudge.py``)
    nudge(*, actor, session_id=None, plan_id=None, credentials=None, preview=False, now)
        -> NudgeResult(recipients, occasion, sent); exactly one of session, plan, credentials
        (``CREDENTIAL_TARGETS``: "at_risk" or one reason a credential is at risk)
        NudgeNotPermitted (403), ValidationFailed (400), TargetClosed (409), NudgeTooSoon (429)

Inbox (``services/inbox.py``)
    notification_mark_read(*, person, notification_id, now) -> Notification   (Http404 if not theirs)
    notifications_mark_all_read(*, person, now) -> int

Every function raises a ``common.errors.DomainError`` subclass (see ``reminders/errors.py``) with a
stable ``code`` on refusal, and on refusal changes nothing.
"""

from .delivery import (
    MAX_TRIES,
    RETRY_BASE_SECONDS,
    SendResult,
    backoff_delay,
    batch_fan_out,
    batches_claim,
    deliveries_insert,
    deliveries_send,
    occasion_for_rule,
    occasion_plan,
    occasions_create_due,
    occasions_plan,
    rule_due_at,
    sends_due,
)
from .inbox import notification_mark_read, notifications_mark_all_read
from .nudge import CREDENTIAL_TARGETS, NUDGE_INTERVAL, NudgeResult, nudge, nudge_occasion
from .rules import (
    CREDENTIAL_DEFAULTS,
    PLAN_DEFAULTS,
    SESSION_DEFAULTS,
    RuleIn,
    default_rules_ensure,
    rule_check,
    rule_create,
    rule_delete,
    rule_in,
    rule_set_active,
    rule_update,
)

__all__ = [
    "CREDENTIAL_DEFAULTS",
    "CREDENTIAL_TARGETS",
    "MAX_TRIES",
    "NUDGE_INTERVAL",
    "PLAN_DEFAULTS",
    "RETRY_BASE_SECONDS",
    "SESSION_DEFAULTS",
    "NudgeResult",
    "RuleIn",
    "SendResult",
    "backoff_delay",
    "batch_fan_out",
    "batches_claim",
    "default_rules_ensure",
    "deliveries_insert",
    "deliveries_send",
    "notification_mark_read",
    "notifications_mark_all_read",
    "nudge",
    "nudge_occasion",
    "occasion_for_rule",
    "occasion_plan",
    "occasions_create_due",
    "occasions_plan",
    "rule_check",
    "rule_create",
    "rule_delete",
    "rule_due_at",
    "rule_in",
    "rule_set_active",
    "rule_update",
    "sends_due",
]
