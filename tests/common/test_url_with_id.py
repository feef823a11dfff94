"""List pages link every row through ``url_with_id``: the same links ``reverse`` gives."""

import pytest
from django.urls import reverse, set_script_prefix

from common.web import url_with_id


@pytest.mark.parametrize("name", ["referrals:person", "referrals:contact_new", "caseload:allocate"])
@pytest.mark.parametrize("pk", [1, 42, 987654321, 10**15])
def test_each_rows_link_is_the_one_reverse_gives(name, pk):
    assert url_with_id(name)(pk) == reverse(name, args=[pk])


def test_a_site_served_under_a_path_keeps_its_prefix():
    try:
        set_script_prefix("/mh/")
        assert url_with_id("referrals:person")(7) == "/mh/people/7/" == reverse("referrals:person", args=[7])
    finally:
        set_script_prefix("/")
