"""What every page shares across services: the language switch reads the same on the customer
pages and in the staff console, and the site icon is one the browser can draw."""

from playwright.sync_api import Browser, Locator

from tests.conftest import Stack

EACH_LANGUAGE_IN_ITSELF = [("zh-Hans", "中文"), ("en", "English"), ("pt-BR", "Português")]


def labels(choices: Locator) -> list[tuple[str | None, str]]:
    return [(choice.get_attribute("lang"), choice.inner_text()) for choice in choices.all()]


def test_customer_pages_and_console_name_the_languages_alike(
    stack: Stack, browser: Browser
) -> None:
    context = browser.new_context(locale="en-US")
    page = context.new_page()

    page.goto(f"{stack.gateway_url}/")
    customer = labels(page.locator("header .app-languages").locator("a, strong"))
    page.goto(f"{stack.gateway_url}/console/login")
    console = labels(page.locator("header select[name=language] option"))
    context.close()

    assert customer == EACH_LANGUAGE_IN_ITSELF
    assert console == EACH_LANGUAGE_IN_ITSELF


def test_the_site_icon_is_drawn_by_the_browser(stack: Stack, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()

    answer = page.goto(f"{stack.gateway_url}/favicon.ico")
    width = page.locator("img").evaluate("image => image.complete && image.naturalWidth")
    context.close()

    assert answer is not None
    assert answer.status == 200
    assert answer.headers["content-type"] == "image/x-icon"
    assert width >= 16
