"""In Chromium: the 404 page in the service's layout (axe-clean), and a text limit shown as it is typed."""

from playwright.sync_api import expect

from tests.factories import valid_nhs_number


def test_a_missing_page_has_the_layout_a_main_landmark_and_a_way_back(page, login, alice, axe_check):
    login(page, alice)

    response = page.goto("/no-such-page/")

    assert response is not None and response.status == 404
    expect(page.get_by_role("main")).to_contain_text("Page not found")
    expect(page.get_by_role("navigation", name="Menu")).to_be_visible()
    axe_check(page)
    page.get_by_role("main").get_by_role("link", name="Go to the home page").click()
    expect(page).to_have_title("Home – Community mental health referrals")


def test_the_presenting_need_counts_down_its_limit_as_it_is_typed(page, login, alice, north_practice):
    login(page, alice)
    page.goto("/referrals/new/")
    page.get_by_label("NHS number").fill(valid_nhs_number())
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Add a new person").click()

    need = page.get_by_label("What does the person need help with?")
    need.fill("x" * 1990)
    expect(page.locator(".nhsuk-character-count__status")).to_have_text("You have 10 characters remaining")
    need.fill("x" * 2003)
    expect(page.locator(".nhsuk-character-count__status")).to_have_text("You have 3 characters too many")
    assert need.input_value() == "x" * 2003  # nothing cut: the server refuses it with a message
