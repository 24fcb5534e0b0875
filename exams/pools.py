"""Question pools per blueprint rule, and drawing a candidate's paper from them.

Starting an attempt must cost the same whatever the size of the bank, so the ids
of the active questions that can fill a rule — its *pool* — are not queried per
candidate. They live in the Django cache (Redis) and in this process's memory,
keyed by the *bank version*, a random token in the cache that every write to the
bank replaces (:func:`bank_changed`, called by the question services). A pool is
read from the database once per version: one query for all the pools a start needs.

A paper is drawn in Python with ``random.sample``; rules with a category are drawn
before rules without one, and no question appears twice in a paper. The questions
drawn are then fetched with one ``id IN (...)`` query; if the pool turns out to be
stale (a question deactivated or changed since), the pools are rebuilt and the
paper drawn again.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from .errors import BankInsufficient
from .models import Question, QuestionKind, law_area_label

VERSION_KEY = "exams:bank-version"
POOL_TTL_SECONDS = 3600
PoolKey = tuple[str, str]  # (kind, category); category "" means any category

_memo_lock = threading.Lock()
_memo: dict[PoolKey, list[int]] = {}
_memo_version = ""


@dataclass(frozen=True)
class RuleSpec:
    """A blueprint rule as drawing needs it; ``number`` is its 1-based place in the blueprint."""

    number: int
    kind: str
    category: str
    count: int
    points: int

    @property
    def pool_key(self) -> PoolKey:
        return (self.kind, self.category)

    def describe(self) -> str:
        category = law_area_label(self.category) if self.category else _("不限分类")
        return _("第 %(n)s 条规则（%(kind)s · %(category)s · %(count)s 题）") % {
            "n": self.number,
            "kind": QuestionKind(self.kind).label,
            "category": category,
            "count": self.count,
        }


def bank_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    return str(version)


def _bump() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def bank_changed() -> None:
    """Make every cached pool obsolete; call after any write to the question bank.

    The version is replaced at once and again when the transaction commits, so a
    pool read from the database while the write was still uncommitted is never used.
    """
    _bump()
    transaction.on_commit(_bump)


def _cache_key(version: str, key: PoolKey) -> str:
    return f"exams:pool:{version}:{key[0]}:{key[1]}"


def rule_pools(keys: Iterable[PoolKey]) -> dict[PoolKey, list[int]]:
    """The sorted ids of the active questions for each (kind, category); at most one query."""
    global _memo_version
    wanted = set(keys)
    version = bank_version()
    with _memo_lock:
        if _memo_version != version:
            _memo.clear()
            _memo_version = version
        found = {key: _memo[key] for key in wanted if key in _memo}
    missing = wanted - found.keys()
    if missing:
        cached = cache.get_many([_cache_key(version, key) for key in missing])
        for key in list(missing):
            ids = cached.get(_cache_key(version, key))
            if ids is not None:
                found[key] = ids
                missing.discard(key)
    if missing:
        built = _pools_from_database(missing)
        cache.set_many({_cache_key(version, key): ids for key, ids in built.items()}, POOL_TTL_SECONDS)
        found.update(built)
    with _memo_lock:
        if _memo_version == version:
            _memo.update(found)
    return found


def refresh_pools(keys: Iterable[PoolKey]) -> dict[PoolKey, list[int]]:
    """Rebuild these pools from the database and replace the cached ones (one query).

    For a pool found stale while drawing; the bank version stays, so other
    candidates' pools are not thrown away.
    """
    wanted = set(keys)
    version = bank_version()
    built = _pools_from_database(wanted)
    cache.set_many({_cache_key(version, key): ids for key, ids in built.items()}, POOL_TTL_SECONDS)
    with _memo_lock:
        if _memo_version == version:
            _memo.update(built)
    return built


def _pools_from_database(keys: set[PoolKey]) -> dict[PoolKey, list[int]]:
    kinds = sorted({kind for kind, _category in keys})
    pools: dict[PoolKey, list[int]] = {key: [] for key in keys}
    rows = (
        Question.objects.filter(is_active=True, kind__in=kinds)
        .order_by("id")
        .values_list("id", "kind", "category")
    )
    for question_id, kind, category in rows:
        if (kind, "") in pools:
            pools[(kind, "")].append(question_id)
        if (kind, category) in pools:
            pools[(kind, category)].append(question_id)
    return pools


def pools_without(
    pools: dict[PoolKey, list[int]], *, keys: Iterable[PoolKey], withheld: Iterable[PoolKey]
) -> dict[PoolKey, list[int]]:
    """The pools of ``keys`` without the questions of the ``withheld`` pools (no query)."""
    withheld = [key for key in withheld if pools.get(key)]
    if not withheld:
        return {key: pools[key] for key in keys}
    excluded = {question_id for key in withheld for question_id in pools[key]}
    return {key: [question_id for question_id in pools[key] if question_id not in excluded] for key in keys}


def blueprint_shortfalls(rules: Sequence[RuleSpec], pools: dict[PoolKey, list[int]]) -> list[str]:
    """Why the bank cannot fill these rules (empty when it can), one sentence per rule that falls short.

    Rules with a category draw from disjoint pools; rules without one share the
    kind's whole pool with every rule of that kind.
    """
    problems: list[str] = []
    by_key: dict[PoolKey, int] = {}
    by_kind: dict[str, int] = {}
    for rule in rules:
        by_key[rule.pool_key] = by_key.get(rule.pool_key, 0) + rule.count
        by_kind[rule.kind] = by_kind.get(rule.kind, 0) + rule.count
    reported: set[PoolKey] = set()
    for rule in rules:
        if rule.pool_key in reported:
            continue
        available = len(pools.get(rule.pool_key, []))
        needed = by_key[rule.pool_key]
        if rule.category == "":
            needed = by_kind[rule.kind]
            available = len(pools.get((rule.kind, ""), []))
        if needed > available:
            reported.add(rule.pool_key)
            problems.append(
                _("%(rule)s：共需 %(needed)s 道，题库中只有 %(available)s 道启用的题")
                % {
                    "rule": rule.describe(),
                    "needed": needed,
                    "available": available,
                }
            )
    return problems


def draw_question_ids(
    rules: Sequence[RuleSpec], pools: dict[PoolKey, list[int]], rng: random.Random
) -> list[list[int]]:
    """For each rule (in blueprint order), the ids drawn for it; no id twice in the paper."""
    chosen: set[int] = set()
    picks: dict[int, list[int]] = {}
    order = sorted(range(len(rules)), key=lambda index: (rules[index].category == "", index))
    for index in order:
        rule = rules[index]
        pool = pools.get(rule.pool_key, [])
        sample = rng.sample(pool, min(len(pool), rule.count + len(chosen)))
        fresh = [question_id for question_id in sample if question_id not in chosen][: rule.count]
        if len(fresh) < rule.count:
            raise BankInsufficient(_("题库不足以组卷：%(rule)s的题目不够。") % {"rule": rule.describe()})
        chosen.update(fresh)
        picks[index] = fresh
    return [picks[index] for index in range(len(rules))]
