"""The home page and the header: every role that takes referrals can start one from either."""

import re

import pytest
from django.urls import reverse

from .conftest import login

pytestmark = pytest.mark.django_db
INTAKE = reverse("referrals:intake")


def _header_and_main(body: str) -> tuple[str, str]:
    header = body[body.index("<header") : body.index("</header>")]
    main = body[body.index("<main") : body.index("</main>")]
    return header, main


@pytest.mark.parametrize("who", ["alice", "tina", "intake"])
def test_everyone_who_takes_referrals_finds_take_a_referral_in_the_header_and_on_home(client, request, who):
    user = request.getfixturevalue(who)
    assert user.takes_referrals

    header, main = _header_and_main(login(client, user).get(reverse("referrals:home")).content.decode())

    assert re.search(rf'href="{INTAKE}"[^>]*>\s*Take a referral', header)
    assert re.search(rf'href="{INTAKE}"[^>]*>\s*Take a referral', main)


@pytest.mark.parametrize("who", ["bob", "sam"])
def test_nobody_else_is_offered_take_a_referral(client, request, who):
    body = login(client, request.getfixturevalue(who)).get(reverse("referrals:home")).content.decode()

    assert f'href="{INTAKE}"' not in body


@pytest.mark.parametrize("who", ["alice", "tina"])
def test_clinicians_and_managers_find_the_waiting_lists_and_groups_from_home(client, request, who):
    user = request.getfixturevalue(who)
    _, main = _header_and_main(login(client, user).get(reverse("referrals:home")).content.decode())
    assert reverse("referrals:waiting_lists") in main
    assert reverse("groupwork:list") in main


@pytest.mark.parametrize("who", ["alice", "tina"])
def test_clinicians_and_managers_reach_the_waiting_lists_from_the_header_on_every_page(client, request, who):
    user = request.getfixturevalue(who)
    header, _ = _header_and_main(login(client, user).get(reverse("caseload:team")).content.decode())
    assert re.search(rf'href="{reverse("referrals:waiting_lists")}"[^>]*>\s*Waiting lists', header)


@pytest.mark.parametrize("who", ["bob", "sam"])
def test_link_workers_and_service_managers_have_no_waiting_lists_link_in_the_header(client, request, who):
    header, _ = _header_and_main(
        login(client, request.getfixturevalue(who)).get(reverse("referrals:home")).content.decode()
    )
    assert reverse("referrals:waiting_lists") not in header
