"""Logins: guessing is limited per account, never per address; locks say when, and end; tokens end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from common.client_address import client_address
from people.models import User
from tests.conftest import token_client
from tests.factories import PASSWORD, AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

NAT = "203.0.113.7"  # one bureau, one address
CHEAP = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cheap_hasher(settings):
    settings.PASSWORD_HASHERS = CHEAP


def token_login(client: APIClient, username: str, password: str, **extra: Any):
    return client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json", **extra
    )


def test_hundreds_of_staff_behind_one_address_all_log_in(cheap_hasher):
    # given: 300 people (15 times the old per-address limit; bench/logins.py runs 2,000 against
    # gunicorn), all behind the bureau's one NAT address
    hashed = make_password("exam-morning-2026")
    User.objects.bulk_create(
        [User(username=f"staff{n:04d}", name=f"职工{n}", password=hashed) for n in range(300)]
    )
    client = APIClient(REMOTE_ADDR=NAT)
    # when
    codes = [token_login(client, f"staff{n:04d}", "exam-morning-2026").status_code for n in range(300)]
    # then
    assert codes.count(200) == 300
    assert Token.objects.count() == 300
    assert AccessAttempt.objects.count() == 0


def test_ten_wrong_passwords_lock_only_that_account_and_say_when_to_try_again(cheap_hasher):
    # given
    now = timezone.now().replace(microsecond=0)
    victim = UserFactory(username="zhangwei", password=make_password(PASSWORD))
    colleague = UserFactory(username="lina", password=make_password(PASSWORD))
    client = APIClient(REMOTE_ADDR=NAT)
    with time_machine.travel(now, tick=False):
        # when
        codes = [token_login(client, "zhangwei", f"guess-{n}").status_code for n in range(10)]
        right_password = token_login(client, "zhangwei", PASSWORD)
        other_account = token_login(client, "lina", PASSWORD)
    # then
    assert codes == [400] * 9 + [429]
    assert right_password.status_code == 429
    until = timezone.localtime(now + timedelta(minutes=15))
    assert right_password.json() == {
        "detail": f"登录失败次数过多，账号已暂时锁定。请于 {until:%H:%M}（约 15 分钟后）再试，或请管理员解除锁定。",
        "code": "account_locked",
        "locked_until": (now + timedelta(minutes=15)).isoformat(),
        "retry_after": 900,
    }
    assert right_password["Retry-After"] == "900"
    assert not Token.objects.filter(user=victim).exists()
    assert other_account.status_code == 200
    assert Token.objects.filter(user=colleague).exists()


def test_a_wrong_password_answers_invalid_credentials(cheap_hasher):
    UserFactory(username="zhangwei", password=make_password(PASSWORD))
    response = token_login(APIClient(), "zhangwei", "not-it")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "用户名或密码不正确。",
        "code": "invalid_credentials",
        "field": "password",
    }


def test_the_lock_ends_after_the_cool_off_and_tries_while_locked_do_not_extend_it(cheap_hasher):
    now = timezone.now()
    UserFactory(username="zhangwei", password=make_password(PASSWORD))
    client = APIClient()
    with time_machine.travel(now, tick=False):
        for n in range(10):
            token_login(client, "zhangwei", f"guess-{n}")
    with time_machine.travel(now + timedelta(minutes=14), tick=False):
        assert token_login(client, "zhangwei", "guess-again").status_code == 429
        assert token_login(client, "zhangwei", PASSWORD).status_code == 429
    with time_machine.travel(now + timedelta(minutes=15, seconds=1), tick=False):
        assert token_login(client, "zhangwei", PASSWORD).status_code == 200
    # a success clears the account's failures
    assert not AccessAttempt.objects.filter(username="zhangwei").exists()


def test_the_login_page_locks_the_account_too_and_says_so_in_chinese(cheap_hasher):
    now = timezone.now().replace(microsecond=0)
    UserFactory(username="zhangwei", password=make_password(PASSWORD))
    UserFactory(username="lina", password=make_password(PASSWORD))
    browser = Client(REMOTE_ADDR=NAT)
    with time_machine.travel(now, tick=False):
        codes = [
            browser.post("/login/", {"username": "zhangwei", "password": f"guess-{n}"}).status_code
            for n in range(10)
        ]
        locked = browser.post("/login/", {"username": "zhangwei", "password": PASSWORD})
        # the API counts the same failures
        api = token_login(APIClient(REMOTE_ADDR="198.51.100.1"), "zhangwei", PASSWORD)
        other = Client(REMOTE_ADDR=NAT).post("/login/", {"username": "lina", "password": PASSWORD})
    assert codes == [200] * 9 + [429]
    assert locked.status_code == 429
    page = locked.content.decode()
    until = timezone.localtime(now + timedelta(minutes=15))
    assert f"登录失败次数过多，账号已暂时锁定。请于 {until:%H:%M}（约 15 分钟后）再试" in page
    assert "_auth_user_id" not in browser.session
    assert api.status_code == 429
    assert other.status_code == 302
    assert other.url == "/"


def test_an_administrator_unlocks_an_account_in_the_admin_and_it_is_audited(cheap_hasher):
    UserFactory(username="zhangwei", password=make_password(PASSWORD))
    client = APIClient()
    for n in range(10):
        token_login(client, "zhangwei", f"guess-{n}")
    assert token_login(client, "zhangwei", PASSWORD).status_code == 429
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    # the admin lists the lock in Chinese
    listing = browser.get("/admin/people/loginlock/")
    assert listing.status_code == 200
    assert "登录锁定" in listing.content.decode()
    assert "zhangwei" in listing.content.decode()
    # when
    attempt = AccessAttempt.objects.get(username="zhangwei")
    response = browser.post(
        "/admin/people/loginlock/", {"action": "unlock", "_selected_action": [attempt.pk]}
    )
    # then
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert token_login(client, "zhangwei", PASSWORD).status_code == 200
    person = User.objects.get(username="zhangwei")
    entry = LogEntry.objects.get_for_object(person).latest("timestamp")
    assert entry.actor == admin
    assert entry.changes_dict == {"login_lock": ["已锁定", "已解除"]}


def test_forwarded_addresses_count_only_from_trusted_proxies(settings, rf):
    spoofed = rf.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert client_address(spoofed) == "198.51.100.9"

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(spoofed) == "198.51.100.9"
    proxied = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7, 10.0.0.5")
    assert client_address(proxied) == "203.0.113.7"


def test_a_forged_forwarded_header_is_not_recorded_as_the_address(cheap_hasher):
    UserFactory(username="zhangwei", password=make_password(PASSWORD))
    token_login(APIClient(REMOTE_ADDR=NAT), "zhangwei", "guess", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [("zhangwei", NAT)]


def test_an_expired_token_is_refused_with_401_and_a_new_login_replaces_it(cheap_hasher, settings):
    person = UserFactory(username="zhangwei", password=make_password(PASSWORD))
    client = APIClient()
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        old = token_login(client, "zhangwei", PASSWORD).json()["token"]
    with time_machine.travel(now + settings.TOKEN_LIFETIME - timedelta(seconds=1), tick=False):
        assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {old}").status_code == 200
    with time_machine.travel(now + settings.TOKEN_LIFETIME, tick=False):
        expired = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {old}")
        new = token_login(client, "zhangwei", PASSWORD).json()["token"]
        again = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {new}")
    assert expired.status_code == 401
    assert expired.json() == {"detail": "登录令牌已过期，请重新登录。", "code": "token_expired"}
    assert new != old
    assert again.status_code == 200
    assert list(Token.objects.filter(user=person).values_list("key", flat=True)) == [new]


def test_a_password_reset_through_the_api_ends_the_persons_tokens():
    admin = AdminFactory()
    person = UserFactory()
    personal = token_client(person)
    assert personal.get("/api/v1/me/").status_code == 200
    response = token_client(admin).patch(
        f"/api/v1/staff/{person.id}/", {"password": "Brand-new-secret-77"}, format="json"
    )
    assert response.status_code == 200
    assert personal.get("/api/v1/me/").status_code == 401
    assert not Token.objects.filter(user=person).exists()


def test_deactivating_a_person_through_the_api_ends_their_tokens():
    admin = AdminFactory()
    person = UserFactory()
    token_client(person)
    response = token_client(admin).patch(f"/api/v1/staff/{person.id}/", {"is_active": False}, format="json")
    assert response.status_code == 200
    assert not Token.objects.filter(user=person).exists()


def test_a_name_change_keeps_the_persons_tokens():
    admin = AdminFactory()
    person = UserFactory()
    personal = token_client(person)
    token_client(admin).patch(f"/api/v1/staff/{person.id}/", {"name": "新名字"}, format="json")
    assert personal.get("/api/v1/me/").status_code == 200
