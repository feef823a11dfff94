"""GET /api/v1/code-lists/: the code lists the API accepts, each with the national set it follows."""

import pytest

from .conftest import CODE_LISTS


@pytest.fixture
def lists(client_for, alice) -> dict[str, dict]:
    response = client_for(alice).get(CODE_LISTS)
    assert response.status_code == 200
    return {code_list["name"]: code_list for code_list in response.json()}


def codes(code_list: dict) -> dict[str, str]:
    return {entry["code"]: entry["display"] for entry in code_list["codes"]}


def test_every_list_a_lifecycle_field_takes_is_served(lists):
    assert set(lists) >= {
        "consultation_mechanism",
        "attendance",
        "team_type",
        "source_of_referral",
        "clinical_response_priority",
        "primary_reason_for_referral",
        "care_plan_type",
        "assessment",
        "psychological_therapy",
        "psychosocial_intervention",
        "medication_intervention",
        "outcome_tool",
    }


@pytest.mark.parametrize(
    ("name", "national_set"),
    [
        ("assessment", "1853441000000109"),
        ("psychological_therapy", "1853461000000105"),
        ("psychosocial_intervention", "1853481000000101"),
        ("medication_intervention", "1853451000000107"),
        ("consultation_mechanism", "MHSDS ConsMechanismMH"),
        ("attendance", "MHSDS AttendStatus"),
        ("care_plan_type", "MHSDS CarePlanTypeMH"),
        ("source_of_referral", "MHSDS SourceOfReferralMH"),
    ],
)
def test_each_list_names_the_reference_set_or_data_dictionary_element_it_follows(lists, name, national_set):
    assert lists[name]["national_set"] == national_set


def test_codes_come_with_their_display_names(lists):
    assert codes(lists["consultation_mechanism"])["09"] == "Text message (asynchronous)"
    assert codes(lists["attendance"])["3"] == "Did not attend, no advance warning"
    assert codes(lists["assessment"])["1914891000000100"] == "Neurodevelopmental assessment (autism and ADHD)"
    assert codes(lists["care_plan_type"])["12"] == "Mental health crisis plan"


def test_outcome_tools_carry_the_score_range_the_api_checks(lists):
    phq9 = next(entry for entry in lists["outcome_tool"]["codes"] if entry["code"] == "720433000")

    assert (phq9["lowest"], phq9["highest"]) == ("0.00", "27.00")
    assert all(entry["lowest"] is None for entry in lists["care_plan_type"]["codes"])


def test_the_activities_that_never_stop_a_clock_are_listed_apart(lists):
    assert set(codes(lists["excluded_activity"])) == {"11429006", "975131000000104", "2386021000000108"}
    assert not set(codes(lists["excluded_activity"])) & set(codes(lists["assessment"]))


def test_an_anonymous_caller_gets_a_401(client, db):
    assert client.get(CODE_LISTS).status_code == 401
