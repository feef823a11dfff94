"""Forms for the group pages: they adapt what was typed; the rules live in ``groupwork.services``."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet

from common.forms import LimitedCharField, TimeOfDayField, form_field, nhs_date_field
from common.london import london_instant
from groupwork.models import GROUP_MECHANISMS, REGISTER_ATTENDANCE, Group
from groupwork.selectors import RegisterRow
from localities.models import Team


class GroupForm(forms.Form):
    name = forms.CharField(label="Name of the group", max_length=120, error_messages={"required": "Enter the name."})
    kind = forms.ChoiceField(
        label="What kind of group is it?",
        choices=Group.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of group it is."},
    )
    team = forms.ModelChoiceField(
        label="Facilitating team",
        queryset=Team.objects.none(),
        empty_label=None,
        error_messages={"required": "Choose the team."},
    )
    capacity = forms.IntegerField(
        label="Places in each cohort",
        min_value=1,
        max_value=60,
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-3", "inputmode": "numeric"}),
        error_messages={
            "required": "Enter how many people one cohort takes.",
            "min_value": "A cohort takes at least 1 person.",
            "max_value": "A cohort takes at most 60 people.",
            "invalid": "Enter the number of places as a whole number, for example 12.",
        },
    )
    consultation_mechanism = forms.ChoiceField(
        label="How does it meet?",
        choices=GROUP_MECHANISMS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the group meets."},
    )
    description = forms.CharField(
        label="About the group (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "team", forms.ModelChoiceField).queryset = teams


class GroupChangeForm(GroupForm):
    """The group's details that may change once it runs: not its kind, nor its team."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, teams=Team.objects.none(), **kwargs)
        del self.fields["kind"]
        del self.fields["team"]


class CohortForm(forms.Form):
    service_fields = {"session_times": "weeks"}

    name = forms.CharField(label="Name of the cohort", max_length=80, help_text="For example, Spring 2027")
    starts_on = nhs_date_field("Date of the first session", help_text="For example, 12 4 2027")
    at = TimeOfDayField(label="Time the sessions start", help_text="24-hour clock, for example 18:00")
    weeks = forms.IntegerField(
        label="Number of weekly sessions",
        min_value=1,
        max_value=52,
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-3", "inputmode": "numeric"}),
        error_messages={
            "required": "Enter how many weekly sessions the cohort has.",
            "min_value": "A cohort has at least 1 session.",
            "max_value": "A cohort has at most 52 weekly sessions.",
        },
    )

    def session_times(self) -> list[datetime]:
        """One session a week from the first, at the same London time."""
        start: date = self.cleaned_data["starts_on"]
        at: time = self.cleaned_data["at"]
        return [london_instant(start + timedelta(weeks=i), at) for i in range(self.cleaned_data["weeks"])]


class GroupChoiceField(forms.ModelChoiceField):  # not [Group]: Django's class is not generic at run time
    def label_from_instance(self, obj: Group) -> str:
        return f"{obj.name} (run by {obj.team.name}, {obj.capacity} places a cohort)"


class EnrolForm(forms.Form):
    group = GroupChoiceField(
        label="Which group?",
        queryset=Group.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a group."},
    )

    def __init__(self, *args: Any, groups: QuerySet[Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "group", GroupChoiceField).queryset = groups


class RegisterForm(forms.Form):
    """One radio group per person on the register; a person already recorded is shown, not asked."""

    def __init__(self, *args: Any, rows: list[RegisterRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            if row.attendance is not None:
                continue
            person = row.enrolment.referral.person
            self.fields[f"person_{row.enrolment.pk}"] = forms.ChoiceField(
                label=f"{person.given_name} {person.family_name}",
                choices=REGISTER_ATTENDANCE,
                widget=forms.RadioSelect,
                required=False,
            )

    def marks(self) -> dict[int, str]:
        return {int(name.removeprefix("person_")): value for name, value in self.cleaned_data.items() if value}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.fields and not any(data.values()):
            raise forms.ValidationError("Mark at least one person as attended, did not attend or cancelled.")
        return data


class SessionForm(forms.Form):
    """One session's day, London time and topic (moving it, or giving it a topic)."""

    service_fields = {"starts_at": "day"}

    day = nhs_date_field("Date of the session", help_text="For example, 12 4 2027")
    at = TimeOfDayField(label="Time it starts", help_text="24-hour clock, for example 18:00")
    topic = LimitedCharField(label="Topic (optional)", max_length=120, what="The topic", required=False)

    def starts_at(self) -> datetime:
        return london_instant(self.cleaned_data["day"], self.cleaned_data["at"])


class SessionCancelForm(forms.Form):
    reason = LimitedCharField(
        label="Why is it cancelled?",
        max_length=500,
        what="The reason",
        help_text="For example: facilitator unwell. Kept in the audit log.",
        error_messages={"required": "Say why the session is cancelled"},
        widget=forms.Textarea(attrs={"rows": 2}),
    )
