import pytest

from tests.browser.conftest import login
from tests.factories import PASSWORD, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_member_logs_in_and_sees_the_chinese_home_page(page, output_dir):
    UserFactory(
        username="zhangwei",
        name="张伟",
        department=DepartmentFactory(name="一大队"),
        is_enforcement_officer=True,
    )

    login(page, "zhangwei", PASSWORD)

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "你好，张伟"
    assert page.get_by_role("heading", name="我的待办").is_visible()
    assert page.locator(".muted").first.inner_text() == "一大队 · 执法人员"
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(output_dir / "home-staff-zh.png"), full_page=True)


def test_language_switch_to_english(page):
    UserFactory(username="lisi", name="李四")
    login(page, "lisi", PASSWORD)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="My tasks").is_visible()


def test_wrong_password_shows_a_chinese_error(page):
    UserFactory(username="wangwu")
    page.goto("/login/")
    page.fill("input[name=username]", "wangwu")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit].primary")
    assert page.locator(".error").inner_text() == "用户名或密码不正确，请重试。"
