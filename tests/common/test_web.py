"""common.web: where a form goes back to, and a service's refusal on the form."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from common.web import add_service_errors, safe_next

FALLBACK = "/fallback/"


def _post(next_value: str, **extra):
    return RequestFactory().post("/form/", {"next": next_value}, **extra)


@pytest.mark.parametrize("target", ["/people/7/#referral-3", "/triage/?page=2", "http://testserver/alerts/"])
def test_next_may_be_any_page_of_this_site(target):
    assert safe_next(_post(target), FALLBACK) == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
    ],
)
def test_next_never_leaves_the_site(target):
    assert safe_next(_post(target), FALLBACK) == FALLBACK


def test_next_is_read_from_the_query_string_too():
    assert safe_next(RequestFactory().get("/form/", {"next": "/caseload/"}), FALLBACK) == "/caseload/"
    assert safe_next(RequestFactory().get("/form/"), FALLBACK) == FALLBACK


def test_a_secure_page_does_not_send_you_back_over_plain_http():
    request = _post("http://testserver/alerts/", secure=True)
    assert safe_next(request, FALLBACK) == FALLBACK
    assert safe_next(_post("https://testserver/alerts/", secure=True), FALLBACK) == "https://testserver/alerts/"


class AgreedForm(forms.Form):
    service_fields = {"agreed_at": "agreed_on"}

    agreed_on = forms.DateField()
    summary = forms.CharField()


def _form() -> AgreedForm:
    form = AgreedForm({"agreed_on": "2026-03-16", "summary": "Walks"})
    assert form.is_valid()
    return form


def test_service_errors_about_a_field_go_beside_it_and_the_rest_at_the_top():
    form = _form()
    add_service_errors(form, ValidationError({"summary": ["Too short."], "referral": ["Referral has ended."]}))
    assert form.errors == {"summary": ["Too short."], "__all__": ["Referral has ended."]}


def test_service_argument_names_are_translated_by_the_form_or_the_call():
    form = _form()
    add_service_errors(form, ValidationError({"agreed_at": ["Before the referral."]}))
    assert form.errors == {"agreed_on": ["Before the referral."]}

    form = _form()
    add_service_errors(form, ValidationError({"note": ["Say why."]}), field_map={"note": "summary"})
    assert form.errors == {"summary": ["Say why."]}


def test_a_service_error_without_fields_goes_at_the_top():
    form = _form()
    add_service_errors(form, ValidationError("The clock has already stopped."))
    assert form.non_field_errors() == ["The clock has already stopped."]
