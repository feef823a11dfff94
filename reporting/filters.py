"""What a dashboard page is asked for: a period and up to five filters, from the query string.

Everything arrives by GET, so every view is a link that can be bookmarked, shared and
downloaded as CSV. A value we do not recognise is reported on the page and left out,
never guessed at.
"""

from dataclasses import dataclass, fields
from datetime import date

from django import forms
from django.db.models import Q

from localities.models import Locality, Team
from referrals.models import Referral

from .periods import DEFAULT_PRESET, LONGEST_PERIOD_DAYS, PRESETS, Period, period_for_preset


@dataclass(frozen=True)
class Filters:
    """Which referrals a page counts. The reporting tables all name these columns alike."""

    locality_id: int | None = None
    team_id: int | None = None
    service: str | None = None
    source: str | None = None
    urgency: str | None = None

    def q(self) -> Q:
        return Q(**{f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None})

    def active(self) -> list[tuple[str, str]]:
        """(column, value as text) for each filter set."""
        return [(f.name, str(getattr(self, f.name))) for f in fields(self) if getattr(self, f.name) is not None]

    def single(self) -> tuple[str, str] | None:
        """The one filter set, ("", "") for none; None when two or more are set."""
        active = self.active()
        if len(active) > 1:
            return None
        return active[0] if active else ("", "")


def parse_date_parts(day: str, month: str, year: str) -> date | None:
    """The NHS.UK date input's three boxes: None if all are empty, else a date or a ValueError."""
    parts = [day.strip(), month.strip(), year.strip()]
    if not any(parts):
        return None
    if not all(parts):
        raise ValueError("Enter a day, a month and a year.")
    if not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
        raise ValueError("Enter the date as numbers, with a four-digit year, for example 1 4 2026.")
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError as exc:
        raise ValueError("Enter a real date.") from exc


def _choices(pairs) -> list[tuple[str, str]]:
    return [("", "All")] + [(str(value), label) for value, label in pairs]


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(
        label="Period", choices=[(key, label) for key, (label, _) in PRESETS.items()], required=False
    )
    locality = forms.TypedChoiceField(label="Locality", coerce=int, required=False, empty_value=None)
    team = forms.TypedChoiceField(label="Team", coerce=int, required=False, empty_value=None)
    service = forms.ChoiceField(label="Service", choices=_choices(Team.Kind.choices), required=False)
    source = forms.ChoiceField(label="Source of referral", choices=_choices(Referral.Source.choices), required=False)
    urgency = forms.ChoiceField(label="Urgency", choices=_choices(Referral.Urgency.choices), required=False)

    def __init__(self, data, *, today: date, **kwargs):
        super().__init__(data, **kwargs)
        self.today = today
        self.fields["locality"].choices = _choices(Locality.objects.order_by("name").values_list("pk", "name"))
        self.fields["team"].choices = _choices(Team.objects.order_by("name").values_list("pk", "name"))
        self.date_errors: dict[str, str] = {}
        self.first_day = self._date("from")
        self.last_day = self._date("to")
        self.is_valid()  # cleaned_data keeps every field that was valid, even if another was not

    def _date(self, prefix: str) -> date | None:
        parts = [self.data.get(f"{prefix}-{name}", "") for name in ("day", "month", "year")]
        try:
            return parse_date_parts(*parts)
        except ValueError as exc:
            self.date_errors[prefix] = str(exc)
            return None

    def chosen_period(self) -> Period:
        """Dates typed in win over the preset; a bad date falls back to the preset, with a message."""
        chosen = self.cleaned_data.get("period") or DEFAULT_PRESET
        if self.first_day or self.last_day:
            first = self.first_day or (
                self.last_day and period_for_preset(DEFAULT_PRESET, today=self.last_day).first_day
            )
            last = self.last_day or self.today
            if first and first <= last and (last - first).days < LONGEST_PERIOD_DAYS:
                return Period(first_day=first, last_day=last)
            if first and first > last:
                self.date_errors["to"] = "The end date must be on or after the start date."
            elif first:
                self.date_errors["to"] = f"Choose a period of at most {LONGEST_PERIOD_DAYS // 366} years."
        return period_for_preset(chosen, today=self.today)

    def chosen_filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            locality_id=data.get("locality"),
            team_id=data.get("team"),
            service=data.get("service") or None,
            source=data.get("source") or None,
            urgency=data.get("urgency") or None,
        )

    def errors_for_summary(self) -> list[tuple[str, str]]:
        """(field id, message) pairs for the NHS.UK error summary."""
        found = [(f"id_{name}", " ".join(messages)) for name, messages in self.errors.items()]
        found += [(f"{prefix}-day", message) for prefix, message in self.date_errors.items()]
        return found

    def labels(self) -> dict[str, str]:
        """Human names of the filters set, for headings and CSV notes."""
        names = {}
        for name in ("locality", "team", "service", "source", "urgency"):
            value = self.cleaned_data.get(name)
            if value not in (None, ""):
                names[self.fields[name].label] = dict(self.fields[name].choices).get(str(value), "")
        return names
