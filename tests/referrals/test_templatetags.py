"""The template tags every page uses: clock badges, London times, NHS.UK form fields, the header."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db import connection
from django.template import Context, RequestContext, Template, TemplateSyntaxError
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from common.london import london
from referrals.context_processors import unread_alerts
from referrals.models import Clock
from referrals.templatetags.clocks import clock_status, duration

START = datetime(2026, 3, 13, 2, 0, tzinfo=UTC)  # a Friday, 2am


def _clock(target=timedelta(hours=24), *, warn_fraction=0.75, **state) -> Clock:
    return Clock(
        kind=Clock.Kind.FIRST_RESPONSE,
        started_at=START,
        target=target,
        warn_at=START + target * warn_fraction,
        due_at=START + target,
        escalation_at=START + target * 2,
        second_escalation_at=START + target * 3,
        **state,
    )


def _render(source: str, **context) -> str:
    return Template(source).render(Context(context))


# --- clock badges ---------------------------------------------------------------------------


def test_running_clock_before_its_warning_shows_time_left_in_blue():
    badge = clock_status(_clock(), START + timedelta(hours=3, minutes=40))

    assert (badge.colour, badge.text, badge.spoken) == ("blue", "20h 20m left", "20 hours 20 minutes left")


def test_clock_past_three_quarters_of_its_target_is_orange_due_in():
    badge = clock_status(_clock(), START + timedelta(hours=23, minutes=15))

    assert (badge.colour, badge.text) == ("orange", "Due in 45m")


def test_clock_past_its_due_time_is_red_overdue():
    badge = clock_status(_clock(), START + timedelta(hours=27))

    assert (badge.colour, badge.text, badge.spoken) == ("red", "Overdue by 3h", "Overdue by 3 hours")


def test_warning_point_comes_from_the_clock_not_a_fixed_fraction():
    # A team policy that warns at half time.
    badge = clock_status(_clock(warn_fraction=0.5), START + timedelta(hours=13))

    assert badge.colour == "orange"


def test_time_left_rounds_up_and_never_says_zero():
    assert clock_status(_clock(), START + timedelta(hours=24) - timedelta(seconds=20)).text == "Due in 1m"
    assert clock_status(_clock(), START + timedelta(hours=24, seconds=20)).text == "Overdue by 1m"


def test_four_week_clock_counts_days_and_hours():
    four_weeks = timedelta(days=28)

    assert clock_status(_clock(four_weeks), START + timedelta(days=7, hours=5)).text == "20d 19h left"
    assert clock_status(_clock(four_weeks), START + timedelta(days=23)).text == "Due in 5d"


def test_clock_met_on_time_is_green():
    clock = _clock(stopped_at=START + timedelta(hours=5), stop_reason=Clock.StopReason.FIRST_COMPLETED_CONTACT)

    assert clock_status(clock, START + timedelta(days=3)) == clock_status(clock, START)
    assert (clock_status(clock, START).colour, clock_status(clock, START).text) == ("green", "Met")


def test_clock_met_late_stays_a_red_breach():
    clock = _clock(
        stopped_at=START + timedelta(hours=26, minutes=30), stop_reason=Clock.StopReason.FIRST_COMPLETED_CONTACT
    )

    badge = clock_status(clock, START + timedelta(days=3))

    assert (badge.colour, badge.text, badge.spoken) == ("red", "Met 2h 30m late", "Met 2 hours 30 minutes late")


def test_clock_stopped_without_being_met_is_grey():
    clock = _clock(stopped_at=START + timedelta(hours=1), stop_reason=Clock.StopReason.REFERRAL_ENDED)

    assert (clock_status(clock, START).colour, clock_status(clock, START).text) == ("grey", "Stopped")


def test_clock_stopped_after_its_breach_keeps_the_breach():
    clock = _clock(stopped_at=START + timedelta(hours=30), stop_reason=Clock.StopReason.MANUAL)

    assert clock_status(clock, START).text == "Stopped after breach"
    assert clock_status(clock, START).colour == "red"


def test_paused_clock():
    assert clock_status(_clock(paused_at=START + timedelta(hours=2)), START + timedelta(days=2)).text == "Paused"
    late = _clock(paused_at=START + timedelta(hours=25))
    assert (clock_status(late, START).colour, clock_status(late, START).text) == ("red", "Paused after breach")


@pytest.mark.parametrize(
    ("delta", "short", "long"),
    [
        (timedelta(minutes=1), "1m", "1 minute"),
        (timedelta(hours=1), "1h", "1 hour"),
        (timedelta(hours=1, minutes=1), "1h 1m", "1 hour 1 minute"),
        (timedelta(hours=47, minutes=59), "47h 59m", "47 hours 59 minutes"),
        (timedelta(hours=48), "2d", "2 days"),
        (timedelta(days=27, hours=1, minutes=59), "27d 1h", "27 days 1 hour"),
    ],
)
def test_duration_words(delta, short, long):
    assert duration(delta) == (short, long)


def test_clock_badge_tag_renders_an_nhs_tag_with_words_for_screen_readers():
    html = _render(
        '{% load clocks %}{% clock_badge clock now hidden_label="First response: " %}',
        clock=_clock(),
        now=START + timedelta(hours=3, minutes=40),
    )

    assert html.startswith('<strong class="nhsuk-tag nhsuk-tag--blue">')
    assert '<span class="nhsuk-u-visually-hidden">First response: </span>' in html
    assert '<span aria-hidden="true">20h 20m left</span>' in html
    assert '<span class="nhsuk-u-visually-hidden">20 hours 20 minutes left</span>' in html


def test_clock_badge_for_a_missing_clock():
    assert "No clock" in _render("{% load clocks %}{% clock_badge clock %}", clock=None)


def test_clock_badge_defaults_now_to_the_current_time():
    with time_machine.travel(START + timedelta(hours=25), tick=False):
        html = _render("{% load clocks %}{% clock_badge clock %}", clock=_clock())

    assert "Overdue by 1h" in html


# --- London times (the formatter itself: tests/common/test_london.py) ------------------------------


def test_the_london_filter_is_the_common_formatter():
    when = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 01:30 GMT, just after the clocks went back
    assert _render("{% load clocks %}{{ when|london }}", when=when) == london(when) == "Sun 25 Oct 2026, 01:30"
    assert _render("{% load clocks %}[{{ when|london }}]", when=None) == "[]"


# --- NHS.UK form fields ---------------------------------------------------------------------


class ReferralForm(forms.Form):
    nhs_number = forms.CharField(
        label="NHS number", help_text="10 digits", widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10"})
    )
    urgency = forms.ChoiceField(
        choices=[("routine", "Routine"), ("urgent", "Urgent")], widget=forms.RadioSelect, help_text="How soon"
    )
    source = forms.ChoiceField(choices=[("", "Choose"), ("gp", "GP"), ("self", "Self-referral")])
    needs = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)
    support = forms.MultipleChoiceField(
        choices=[("carer", "Carer"), ("interpreter", "Interpreter")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    consent = forms.BooleanField(label="The person agrees to share their assessment", required=False)
    birth_date = forms.DateField(label="Date of birth", widget=forms.SelectDateWidget, required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        if self.cleaned_data.get("source") == "self" and self.cleaned_data.get("urgency") == "urgent":
            raise forms.ValidationError("Urgent self-referrals go to the mental health line")
        return self.cleaned_data


def _field(form, name, **options) -> str:
    args = "".join(
        f' {key}="{value}"' if isinstance(value, str) else f" {key}={value}" for key, value in options.items()
    )
    return _render(f"{{% load nhsuk %}}{{% nhsuk_field form.{name}{args} %}}", form=form)


def test_text_input_with_hint():
    html = _field(ReferralForm(), "nhs_number")

    assert '<div class="nhsuk-form-group">' in html
    assert '<label class="nhsuk-label" for="id_nhs_number">NHS number</label>' in html
    assert '<div class="nhsuk-hint" id="id_nhs_number-hint">10 digits</div>' in html
    assert 'class="nhsuk-input nhsuk-input--width-10"' in html
    assert 'aria-describedby="id_nhs_number-hint"' in html
    assert "nhsuk-error-message" not in html


def test_text_input_with_an_error():
    form = ReferralForm(data={"nhs_number": ""})

    html = _field(form, "nhs_number")

    assert "nhsuk-form-group--error" in html
    assert (
        '<span class="nhsuk-error-message" id="id_nhs_number-error">'
        '<span class="nhsuk-u-visually-hidden">Error: </span>This field is required.</span>'
    ) in html
    assert 'class="nhsuk-input nhsuk-input--error nhsuk-input--width-10"' in html
    assert 'aria-describedby="id_nhs_number-hint id_nhs_number-error"' in html
    assert 'aria-invalid="true"' in html


def test_label_size_page_heading_and_extra_classes():
    html = _field(ReferralForm(), "nhs_number", label="What is their NHS number?", page_heading=True, classes="x")

    assert '<h1 class="nhsuk-label-wrapper">' in html
    assert '<label class="nhsuk-label nhsuk-label--l" for="id_nhs_number">What is their NHS number?</label>' in html
    assert 'class="nhsuk-input nhsuk-input--width-10 x"' in html
    assert '<label class="nhsuk-label nhsuk-label--m"' in _field(ReferralForm(), "nhs_number", size="m")


def test_unknown_size_is_a_template_error():
    with pytest.raises(TemplateSyntaxError, match="size"):
        _field(ReferralForm(), "nhs_number", size="huge")


def test_select_keeps_the_chosen_option():
    html = _field(ReferralForm(data={"source": "gp"}), "source")

    assert '<select name="source" class="nhsuk-select" required id="id_source">' in html
    assert '<option value="gp" selected>GP</option>' in html


class _Selects(forms.Form):
    """Selects of every shape the forms use: a blank choice, groups, several chosen, yes/no,
    disabled with help, a widget with its own id and attributes, and text that needs escaping."""

    plain = forms.ChoiceField(choices=[("", "All"), ("x", "X & <y>"), ("z", "Zed")], required=False)
    grouped = forms.ChoiceField(choices=[("Group <1>", [("1", "One"), ("2", "Two")]), ("3", "Three")])
    several = forms.MultipleChoiceField(choices=[("1", "One"), ("2", "Two"), ("3", "Three")])
    yes_no = forms.NullBooleanField()
    fixed = forms.ChoiceField(choices=[("1", "One")], disabled=True, help_text="Help")
    typed = forms.TypedChoiceField(
        choices=[(1, "One"), (2, "Two")], coerce=int, widget=forms.Select(attrs={"id": "own", "data-x": 'q"'})
    )


@pytest.mark.parametrize(
    "form",
    [
        _Selects(initial={"grouped": "1", "typed": 2}),
        _Selects(data={"plain": "x", "grouped": "2", "several": ["1", "3"], "yes_no": "true", "typed": "2"}),
        _Selects(data={"plain": "nope", "several": "9"}),
    ],
    ids=["unbound", "chosen", "invalid"],
)
def test_a_select_is_drawn_exactly_as_djangos_own_widget_would_draw_it(form):
    from common.templatetags.nhsuk import _select_html

    for field in form:
        for attrs in ({}, {"class": "nhsuk-select nhsuk-select--error", "aria-describedby": "a-hint a-error"}):
            assert _select_html(field, dict(attrs)) == field.as_widget(attrs=dict(attrs)), field.name


def test_textarea():
    html = _field(ReferralForm(data={"needs": "Not sleeping"}), "needs")

    assert 'class="nhsuk-textarea"' in html
    assert 'rows="5"' in html
    assert ">\nNot sleeping</textarea>" in html


def test_radios_in_a_fieldset_with_the_error_on_the_fieldset():
    html = _field(ReferralForm(data={}), "urgency", inline=True)

    assert '<fieldset class="nhsuk-fieldset" aria-describedby="id_urgency-hint id_urgency-error">' in html
    assert '<legend class="nhsuk-fieldset__legend">Urgency</legend>' in html
    assert '<div class="nhsuk-radios nhsuk-radios--inline" data-module="nhsuk-radios">' in html
    assert '<input class="nhsuk-radios__input" id="id_urgency_0" name="urgency" type="radio" value="routine">' in html
    assert '<label class="nhsuk-label nhsuk-radios__label" for="id_urgency_1">Urgent</label>' in html
    assert "This field is required." in html


def test_radios_keep_the_choice_and_can_be_the_page_heading():
    html = _field(ReferralForm(data={"urgency": "urgent"}), "urgency", page_heading=True)

    assert 'value="urgent" checked>' in html
    assert 'value="routine">' in html
    assert '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--l">' in html
    assert '<h1 class="nhsuk-fieldset__heading">Urgency</h1>' in html


def test_checkboxes():
    html = _field(ReferralForm(data={"support": ["interpreter"]}), "support")

    assert '<div class="nhsuk-checkboxes" data-module="nhsuk-checkboxes">' in html
    assert 'id="id_support_1" name="support" type="checkbox" value="interpreter" checked>' in html
    assert 'id="id_support_0" name="support" type="checkbox" value="carer">' in html


def test_single_checkbox_has_its_label_beside_it():
    html = _field(ReferralForm(data={"consent": "on"}), "consent")

    assert "<fieldset" not in html
    assert 'class="nhsuk-checkboxes__input"' in html
    assert "checked" in html
    assert (
        '<label class="nhsuk-label nhsuk-checkboxes__label" for="id_consent">'
        "The person agrees to share their assessment</label>"
    ) in html


def test_date_as_three_boxes_from_an_initial_date():
    html = _field(ReferralForm(initial={"birth_date": date(1990, 3, 7)}), "birth_date", hint="For example, 15 3 1984")

    assert '<fieldset class="nhsuk-fieldset" role="group" aria-describedby="id_birth_date-hint">' in html
    assert '<div class="nhsuk-date-input" id="id_birth_date">' in html
    assert (
        '<input class="nhsuk-input nhsuk-input--width-2 nhsuk-date-input__input" id="id_birth_date_day" '
        'name="birth_date_day" type="text" inputmode="numeric" value="7">'
    ) in html
    assert 'name="birth_date_month" type="text" inputmode="numeric" value="3">' in html
    assert 'class="nhsuk-input nhsuk-input--width-4 nhsuk-date-input__input"' in html
    assert 'value="1990">' in html


def test_date_boxes_are_read_back_by_select_date_widget():
    form = ReferralForm(data={"birth_date_day": "7", "birth_date_month": "3", "birth_date_year": "1990"})

    form.is_valid()

    assert form.cleaned_data["birth_date"] == date(1990, 3, 7)


def test_date_boxes_show_what_was_typed_when_it_is_not_a_date():
    form = ReferralForm(data={"birth_date_day": "31", "birth_date_month": "2", "birth_date_year": "19x0"})

    html = _field(form, "birth_date")

    assert "Enter a valid date." in html
    assert 'class="nhsuk-input nhsuk-input--error nhsuk-input--width-2 nhsuk-date-input__input"' in html
    assert 'value="31">' in html
    assert 'value="19x0">' in html


def test_hidden_field_renders_only_the_input():
    assert _field(ReferralForm(initial={"token": "abc"}), "token") == (
        '<input type="hidden" name="token" value="abc" id="id_token">'
    )


def test_nhsuk_field_needs_a_bound_field():
    with pytest.raises(TemplateSyntaxError, match="bound form field"):
        _render("{% load nhsuk %}{% nhsuk_field 'nhs_number' %}")


# --- error summary ------------------------------------------------------------------------------


def test_error_summary_links_each_error_to_its_field():
    form = ReferralForm(
        data={
            "source": "self",
            "urgency": "urgent",
            "birth_date_day": "40",
            "birth_date_month": "1",
            "birth_date_year": "2000",
        }
    )
    form.is_valid()

    html = _render("{% load nhsuk %}{% nhsuk_error_summary form %}", form=form)

    assert '<h2 class="nhsuk-error-summary__heading">There is a problem</h2>' in html
    links = [
        '<a href="#id_nhs_number">Urgent self-referrals go to the mental health line</a>',  # the form's own error
        '<a href="#id_nhs_number">This field is required.</a>',
        '<a href="#id_birth_date_day">Enter a valid date.</a>',
    ]
    positions = [html.index(link) for link in links]
    assert positions == sorted(positions)


def test_error_summary_points_radios_at_the_first_radio():
    form = ReferralForm(data={})
    form.is_valid()

    assert '<a href="#id_urgency_0">' in _render("{% load nhsuk %}{% nhsuk_error_summary form %}", form=form)


def test_error_summary_covers_several_forms_and_says_nothing_without_errors():
    other = ReferralForm(
        data={"other-nhs_number": "1", "other-urgency": "routine", "other-source": "gp"}, prefix="other"
    )
    assert other.is_valid()

    assert (
        _render("{% load nhsuk %}{% nhsuk_error_summary form other %}", form=ReferralForm(), other=other).strip() == ""
    )
    both = _render("{% load nhsuk %}{% nhsuk_error_summary form other %}", form=ReferralForm(data={}), other=other)
    assert both.count("<li>") == 3  # NHS number, urgency, source


# --- header, pagination -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "href", "current"),
    [
        ("/", "/", 'aria-current="page"'),
        ("/triage/", "/", None),
        ("/triage/", "/triage/", 'aria-current="page"'),
        ("/triage/42/", "/triage/", 'aria-current="true"'),
        ("/team/", "/triage/", None),
    ],
)
def test_header_nav_item_marks_the_current_section(path, href, current):
    html = _render('{% load nhsuk %}{% header_nav_item href "Triage" %}', request=RequestFactory().get(path), href=href)

    if current:
        assert current in html
        assert "nhsuk-header__navigation-item--current" in html
        assert '<strong class="nhsuk-header__navigation-item-current-fallback">Triage</strong>' in html
    else:
        assert "aria-current" not in html


def test_header_nav_item_with_a_count_names_it_for_screen_readers():
    html = _render('{% load nhsuk %}{% header_nav_item "/alerts/" "Alerts" count=3 %}', request=None)

    assert 'aria-label="Alerts, 3 unread"' in html
    assert '<span class="app-count-badge" aria-hidden="true" data-app-unread-count="3">3</span>' in html
    assert "app-count-badge" not in _render('{% load nhsuk %}{% header_nav_item "/alerts/" "Alerts" count=0 %}')


def test_pagination_keeps_the_filters_and_elides_pages():
    page = Paginator(range(200), 10).get_page(10)

    request = RequestFactory().get("/triage/", {"urgency": "urgent", "page": "10"})

    html = Template('{% include "includes/pagination.html" %}').render(RequestContext(request, {"page_obj": page}))

    assert 'href="?urgency=urgent&amp;page=9" class="nhsuk-pagination__previous" rel="prev"' in html
    assert 'aria-label="Page 10" aria-current="page">10</a>' in html
    assert html.count("&ctdot;") == 2
    assert 'aria-label="Page 1"' in html
    assert 'aria-label="Page 20"' in html


def test_no_pagination_for_a_single_page():
    page = Paginator(range(5), 10).get_page(1)

    assert "nhsuk-pagination" not in _render('{% include "includes/pagination.html" %}', page_obj=page)


# --- the header's unread count ------------------------------------------------------------------


@pytest.mark.django_db
def test_unread_alert_count_is_one_query_and_only_when_used(alice):
    request = RequestFactory().get("/")
    request.user = alice

    with CaptureQueriesContext(connection) as queries:
        context = unread_alerts(request)
        assert len(queries) == 0  # nothing until a template asks
        rendered = _render("{{ unread_alerts.count }} {% if unread_alerts %}yes{% endif %}", **context)

    assert rendered == "0 "
    assert len(queries) == 1


def test_unread_alert_count_for_someone_logged_out_is_zero_without_a_query():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    assert unread_alerts(request)["unread_alerts"].count == 0


def test_error_summary_skips_a_form_that_is_not_there():
    html = _render("{% load nhsuk %}{% nhsuk_error_summary form missing %}", form=ReferralForm(data={}), missing=None)

    assert html.count("<li>") == 3


def test_unread_alert_count_prints_as_a_number():
    request = RequestFactory().get("/")  # no user at all: a request that skipped the auth middleware

    assert str(unread_alerts(request)["unread_alerts"]) == "0"


@pytest.mark.parametrize(
    ("teams", "caption"),
    [
        ([], ""),
        (["North IPCT"], "North IPCT"),
        (["A", "B"], "A and 1 other team"),
        (["A", "B", "C"], "A and 2 other teams"),
    ],
)
def test_home_caption_names_the_first_team_and_counts_the_rest(teams, caption):
    from referrals.web.home.views import _where

    assert _where(teams) == caption


def test_single_checkbox_hint_is_announced_with_it():
    html = _field(ReferralForm(), "consent", hint="Ask before sharing with a partner organisation")

    assert '<div class="nhsuk-hint" id="id_consent-hint">Ask before sharing with a partner organisation</div>' in html
    assert 'aria-describedby="id_consent-hint"' in html
