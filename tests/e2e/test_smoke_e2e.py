import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_agent_logs_in_and_switches_language(page, live_server, login, make_user, shop, screenshot):
    agent = make_user("agent", shops=[shop])
    login(page, agent)
    assert page.locator("h2", has_text="我的工作").is_visible()
    assert page.locator(".home-shops", has_text="淘宝旗舰店").is_visible()  # the shops: a footer line
    screenshot(page, "home-zh")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h2", has_text="My work").is_visible()


def test_wrong_password_shows_a_clear_message(page, live_server, make_user):
    agent = make_user("agent")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", agent.username)
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "用户名或密码不正确，请重试。"
