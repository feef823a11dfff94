"""The referral form (the person is found first, with ``shared.PersonSearchForm``).

It only adapts what was typed into service arguments (a date and a time into one instant in
Europe/London, an ODS code into a practice); the rules live in the services, whose
ValidationErrors go back on the form with ``common.web.add_service_errors``.
"""

import uuid
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from common.forms import LimitedCharField, TimeOfDayField, nhs_date_field
from common.london import LONDON, london_instant
from localities.models import Locality, Practice, Team
from referrals.models import Person, Referral, RiskFlag
from referrals.web.shared import clean_nhs_number, nhs_number_field

# Long enough for a referral letter's summary, short enough to read at triage: the page shows the
# limit as it is typed (NHS.UK character count) and refuses more, rather than cutting it.
PRESENTING_NEED_MAX_LENGTH = 2000


class ReferralForm(forms.Form):
    """Step 2: the referral, and the person when they are new."""

    OVERRIDE_FIELDS = ("override_team", "override_locality", "override_reason")
    PERSON_FIELDS = ("given_name", "family_name", "nhs_number", "birth_date", "postcode", "practice_ods", "practice")

    person = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    # A new person (left out when an existing person was picked).
    given_name = LimitedCharField(label="Given name", required=False, max_length=100, what="Given name")
    family_name = LimitedCharField(label="Family name", required=False, max_length=100, what="Family name")
    nhs_number = nhs_number_field(
        "NHS number (optional)", help_text="Leave blank if the person does not know it: the record can be matched later"
    )
    birth_date = nhs_date_field("Date of birth", required=False, help_text="For example, 15 3 1984")
    postcode = forms.CharField(
        label="Postcode",
        required=False,
        max_length=8,
        help_text="Used to route the referral when the GP practice is not known",
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "nhsuk-input--width-10"}),
    )
    practice_ods = forms.CharField(
        label="GP practice ODS code",
        required=False,
        max_length=6,
        help_text="For example, L81001. Or choose the practice from the list below",
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "nhsuk-input--width-10"}),
    )
    practice = forms.ModelChoiceField(
        label="GP practice", required=False, queryset=Practice.objects.order_by("name"), empty_label="Not known"
    )

    # Asked (and required by the view) only when a strong match for a new person was found.
    new_person_reason = forms.CharField(
        label="Why is this a new person, not the strong match shown?",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    # The referral.
    source = forms.ChoiceField(
        label="Where did the referral come from?",
        choices=[("", "Choose an access point")] + Referral.Source.choices,
        error_messages={"required": "Choose where the referral came from"},
    )
    urgency = forms.ChoiceField(
        label="Urgency",
        choices=Referral.Urgency.choices,
        widget=forms.RadioSelect,
        initial=Referral.Urgency.ROUTINE,
        error_messages={"required": "Choose how urgent the referral is"},
    )
    presenting_need = LimitedCharField(
        label="What does the person need help with?",
        max_length=PRESENTING_NEED_MAX_LENGTH,
        what="What the person needs help with",
        help_text="In the person's own words where you can",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what the person needs help with"},
    )
    received_date = nhs_date_field(
        "Date received", help_text="When the referral reached any access point. For example, 15 3 2026"
    )
    received_time = TimeOfDayField(
        label="Time received",
        help_text="24-hour clock, UK time, for example 14:30",
        error_messages={"required": "Enter the time the referral was received", "invalid": "Enter a time like 14:30"},
    )

    # Routing override.
    override_team = forms.ModelChoiceField(
        label="Team or service (optional)",
        required=False,
        queryset=Team.objects.select_related("locality").order_by("kind", "name"),
        empty_label="As routed",
        help_text="Only if the person should go somewhere other than the routed team",
    )
    override_locality = forms.ModelChoiceField(
        label="Locality (optional)",
        required=False,
        queryset=Locality.objects.select_related("intake_team").order_by("name"),
        empty_label="As routed",
        help_text="Sends the referral to this locality's intake team",
    )
    override_reason = forms.CharField(
        label="Why route it somewhere else?",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    # Who referred: kept informed of triage, redirect, first seen and discharge (no clinical detail).
    referrer_ods_code = forms.CharField(
        label="Referrer's ODS code (optional)",
        required=False,
        max_length=12,
        help_text="The referring GP practice or organisation, for example L81001",
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "nhsuk-input--width-10"}),
    )
    referrer_email = forms.EmailField(
        label="Referrer's contact mailbox (optional)",
        required=False,
        help_text="A shared mailbox that gets short updates: when triaged, redirected, first seen and discharged",
        error_messages={"invalid": "Enter a mailbox like name@nhs.net"},
    )
    referrer_organisation = forms.CharField(
        label="Referring organisation (optional)",
        required=False,
        max_length=200,
        help_text="For example the VCSE partner",
    )
    referrer_police_reference = forms.CharField(label="Police reference (optional)", required=False, max_length=40)

    # Risk flags.
    risk_kinds = forms.MultipleChoiceField(
        label="Risks everyone working with the person must know about",
        required=False,
        choices=RiskFlag.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
    )
    risk_note = forms.CharField(
        label="Describe the risks and what to do about them",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    # A carer.
    carer_name = LimitedCharField(
        label="Carer's name (optional)", required=False, max_length=200, what="The carer's name"
    )
    carer_relationship = LimitedCharField(
        label="Relationship to the person",
        required=False,
        max_length=100,
        what="The relationship",
        help_text="For example, mother, partner",
    )
    carer_phone = forms.CharField(label="Carer's phone number (optional)", required=False, max_length=32)
    carer_involved = forms.BooleanField(
        label="The person agrees that this carer is involved in their care", required=False
    )
    carer_assessment_offered = forms.BooleanField(label="A carer's assessment was offered", required=False)

    def __init__(
        self,
        *args: Any,
        existing_person: Person | None = None,
        routes: bool = False,
        now: datetime | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.existing_person = existing_person
        if not routes:
            # Sending a referral elsewhere than the routing rules say is for intake roles only
            # (issue 10): a clinician choosing their own team must not be a way into a record.
            for name in self.OVERRIDE_FIELDS:
                del self.fields[name]
        now = now or timezone.now()
        local = timezone.localtime(now, LONDON)
        self.fields["received_date"].initial = local.date()
        self.fields["received_time"].initial = local.strftime("%H:%M")
        if not self.is_bound and not self.initial.get("idempotency_key"):
            # One key per form shown: a double click or a resubmitted page makes one referral.
            self.initial["idempotency_key"] = uuid.uuid4().hex
        if existing_person is not None:
            for name in self.PERSON_FIELDS:
                del self.fields[name]

    def clean_nhs_number(self) -> str:
        return clean_nhs_number(self.cleaned_data["nhs_number"])

    def clean_practice_ods(self) -> str:
        return self.cleaned_data["practice_ods"].strip().upper()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.existing_person is None:
            self._clean_new_person(data)
        self._clean_received_at(data)
        self._clean_override(data)
        if data.get("risk_kinds") and not data.get("risk_note", "").strip():
            self.add_error("risk_note", "Describe the risks and what to do about them")
        if data.get("risk_note", "").strip() and not data.get("risk_kinds") and "risk_kinds" not in self.errors:
            self.add_error("risk_kinds", "Choose the kind of risk you described")
        carer_given = any(data.get(f) for f in ("carer_name", "carer_relationship", "carer_phone"))
        if carer_given or data.get("carer_involved") or data.get("carer_assessment_offered"):
            if not data.get("carer_name", "").strip():
                self.add_error("carer_name", "Enter the carer's name")
            if not data.get("carer_relationship", "").strip():
                self.add_error("carer_relationship", "Say how the carer is related to the person")
        return data

    def _clean_new_person(self, data: dict[str, Any]) -> None:
        if not data.get("given_name", "").strip():
            self.add_error("given_name", "Enter the person's given name")
        if not data.get("family_name", "").strip():
            self.add_error("family_name", "Enter the person's family name")
        ods = data.get("practice_ods")
        if ods:
            practice = Practice.objects.filter(ods_code=ods).first()
            if practice is None:
                self.add_error(
                    "practice_ods", f"No GP practice has the ODS code {ods}: check it, or choose from the list"
                )
            elif data.get("practice") and data["practice"] != practice:
                self.add_error("practice", "The practice chosen does not match the ODS code: give one or the other")
            else:
                data["practice"] = practice

    def _clean_received_at(self, data: dict[str, Any]) -> None:
        day: date | None = data.get("received_date")
        at: time | None = data.get("received_time")
        if day is None or at is None:
            return
        received_at = london_instant(day, at)
        if received_at > timezone.now():
            self.add_error("received_date", "The date and time received must be in the past")
        data["received_at"] = received_at

    def _clean_override(self, data: dict[str, Any]) -> None:
        team: Team | None = data.get("override_team")
        locality: Locality | None = data.get("override_locality")
        if not (team or locality):
            return
        if not data.get("override_reason", "").strip():
            self.add_error("override_reason", "Say why the referral should go somewhere other than the routed team")
        if team is None and locality is not None and locality.intake_team_id is None:
            self.add_error("override_locality", f"{locality} has no intake team: choose a team or service instead")
            return
        if team is not None and locality is not None and team.locality_id not in (None, locality.pk):
            self.add_error("override_team", f"{team} is not in {locality}: choose one or the other")
            return
        if team is not None:
            data["override_to"] = team
        elif locality is not None:
            data["override_to"] = locality.intake_team
