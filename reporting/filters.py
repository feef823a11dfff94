"""What a dashboard page is asked for: a period and up to five filters, from the query string.

Everything arrives by GET, so every view is a link that can be bookmarked, shared and
downloaded as CSV. A value we do not recognise is reported on the page and left out,
never guessed at.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from common.forms import form_field
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

    def q_on(self, **columns: str | tuple[str, ...]) -> Q:
        """The filters set, read on another table: ``columns`` gives, by filter name, the lookup to
        compare with (``source="referral__source"``), or several lookups any one of which may match (a
        hand-off's team is the one it left or the one it went to). A filter not named is read on
        the column of its own name, as in ``q``. The conditions are ANDed in the order named."""
        unknown = set(columns) - {f.name for f in fields(self)}
        if unknown:
            raise TypeError(f"Not a dashboard filter: {', '.join(sorted(unknown))}")
        names = [*columns, *(f.name for f in fields(self) if f.name not in columns)]
        q = Q()
        for name in names:
            value = getattr(self, name)
            if value is None:
                continue
            lookups = columns.get(name, name)
            any_of = Q()
            for lookup in (lookups,) if isinstance(lookups, str) else lookups:
                any_of |= Q(**{lookup: value})
            q &= any_of
        return q

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


def _choices(pairs: Iterable[tuple[object, str]]) -> list[tuple[str, str]]:
    return [("", "All")] + [(str(value), label) for value, label in pairs]


# A value not on the list came from an edited or stale link: say so beside the field.
_CHOOSE = {"invalid_choice": "Choose from the list."}


class DatePartsWidget(forms.SelectDateWidget):
    """The NHS.UK date input's three boxes, named ``from-day``, ``from-month``, ``from-year``: the
    names every dashboard link (and bookmark) uses. What was typed reaches the field as typed."""

    day_field = "%s-day"
    month_field = "%s-month"
    year_field = "%s-year"

    def value_from_datadict(
        self, data: Mapping[str, Any], files: "MultiValueDict[str, UploadedFile[Any]]", name: str
    ) -> tuple[str, str, str]:
        return (
            data.get(self.day_field % name, ""),
            data.get(self.month_field % name, ""),
            data.get(self.year_field % name, ""),
        )


class DatePartsField(forms.Field):
    """A date from the three boxes (none typed: None), read by ``parse_date_parts``."""

    def __init__(self, *, label: str, box_id: str) -> None:
        super().__init__(label=label, required=False, widget=DatePartsWidget(attrs={"id": box_id}))

    def to_python(self, value: tuple[str, str, str] | date | None) -> date | None:
        if value is None or isinstance(value, date):
            return value
        try:
            return parse_date_parts(*value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


# The period menu's choice for "the dates typed below" (shown chosen when dates are in force).
DATES = "dates"


class DashboardFilterForm(forms.Form):
    """The period and the filters.

    Whichever the user changed last wins: the form carries the period it was drawn with
    (``shown``), so a preset chosen from the menu after dates were typed wins over the dates
    still in the boxes, and dates typed while the menu is unchanged win over the menu. A period
    that cannot be read, ends in the future or is too long is refused (``period_refused``): the
    page then draws no figures rather than figures for a period nobody asked for.
    """

    period = forms.ChoiceField(
        label="Period",
        help_text="Ending today, unless you give dates.",
        choices=[(key, label) for key, (label, _) in PRESETS.items()] + [(DATES, "Dates I choose")],
        required=False,
        error_messages=_CHOOSE,
    )
    locality = forms.TypedChoiceField(
        label="Locality", coerce=int, required=False, empty_value=None, error_messages=_CHOOSE
    )
    team = forms.TypedChoiceField(label="Team", coerce=int, required=False, empty_value=None, error_messages=_CHOOSE)
    service = forms.ChoiceField(
        label="Service", choices=_choices(Team.Kind.choices), required=False, error_messages=_CHOOSE
    )
    source = forms.ChoiceField(
        label="Source of referral", choices=_choices(Referral.Source.choices), required=False, error_messages=_CHOOSE
    )
    urgency = forms.ChoiceField(
        label="Urgency", choices=_choices(Referral.Urgency.choices), required=False, error_messages=_CHOOSE
    )

    def __init__(self, data: QueryDict | dict[str, str], *, today: date, **kwargs: Any) -> None:
        data = data.copy()
        if not data.get("period"):
            data["period"] = DEFAULT_PRESET  # the preset in force, so the list shows it chosen
        super().__init__(data, **kwargs)
        self.today = today
        localities = Locality.objects.order_by("name").values_list("pk", "name")
        form_field(self, "locality", forms.TypedChoiceField).choices = _choices(localities)
        form_field(self, "team", forms.TypedChoiceField).choices = _choices(
            Team.objects.order_by("name").values_list("pk", "name")
        )
        # "from" and "to" are the names in every dashboard link, and not Python names: added here.
        self.fields["from"] = DatePartsField(label="From", box_id="from")
        self.fields["to"] = DatePartsField(label="To", box_id="to")
        self.order_fields(["period", "from", "to"])
        self.is_valid()  # cleaned_data keeps every field that was valid, even if another was not
        self.period_refused = False
        self._period_in_force = self._period()  # not "period": that is the preset field's name
        self._show_period_in_force()
        # The hints under the date boxes give the period in force as the example.
        self.date_hints = {
            name: f"For example, {day.day} {day.month} {day.year}"
            for name, day in (("from", self._period_in_force.first_day), ("to", self._period_in_force.last_day))
        }

    def _period(self) -> Period:
        """The period in force: the menu's preset or the dates typed, whichever changed last.

        A refused period (dates that cannot be read, in the future, the wrong way round or too
        long) sets ``period_refused``; the preset returned then only words the date hints."""
        chosen = self.cleaned_data.get("period") or DEFAULT_PRESET
        shown = str(self.data.get("shown", ""))
        first_day, last_day = self.cleaned_data.get("from"), self.cleaned_data.get("to")
        dates_given = bool(first_day or last_day or self.has_error("from") or self.has_error("to"))
        menu_changed = chosen in PRESETS and shown != "" and chosen != shown
        fallback = period_for_preset(chosen if chosen in PRESETS else DEFAULT_PRESET, today=self.today)
        if chosen in PRESETS and (menu_changed or not dates_given):
            return period_for_preset(chosen, today=self.today)
        if self.has_error("from") or self.has_error("to"):
            self.period_refused = True
            return fallback
        if not (first_day or last_day):  # "Dates I choose" with no dates
            self.add_error("from", "Enter a start date, an end date or both, or choose a period from the list.")
            self.period_refused = True
            return fallback
        first = first_day or (last_day and period_for_preset(DEFAULT_PRESET, today=last_day).first_day)
        last = last_day or self.today
        if first is None:  # for the type checker: one of the two was typed
            return fallback
        problem = None
        if first > self.today:
            problem = ("from", "The start date cannot be in the future.")
        elif last > self.today:
            problem = ("to", "The end date cannot be in the future: the figures go up to today.")
        elif first > last:
            problem = ("to", "The end date must be on or after the start date.")
        elif (last - first).days >= LONGEST_PERIOD_DAYS:
            problem = ("to", f"Choose a period of at most {LONGEST_PERIOD_DAYS // 366} years.")
        if problem is not None:
            self.add_error(*problem)
            self.period_refused = True
            return fallback
        return Period(first_day=first, last_day=last)

    def _show_period_in_force(self) -> None:
        """Draw the form as the period in force: the menu says which preset (or "Dates I choose"),
        and the date boxes are emptied when a preset won over dates typed earlier."""
        if self.period_refused:
            return
        data: dict[str, Any] = {key: self.data[key] for key in self.data}  # one value a key, as drawn
        if self._period_in_force.preset:
            data["period"] = self._period_in_force.preset
            for name in ("from", "to"):
                for part in ("day", "month", "year"):
                    data.pop(f"{name}-{part}", None)
        else:
            data["period"] = DATES
        self.data = data

    def shown_value(self) -> str:
        """What the hidden ``shown`` input carries: the menu's value as the page was drawn."""
        return str(self.data.get("period", ""))

    def chosen_period(self) -> Period:
        return self._period_in_force

    def chosen_filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            locality_id=data.get("locality"),
            team_id=data.get("team"),
            service=data.get("service") or None,
            source=data.get("source") or None,
            urgency=data.get("urgency") or None,
        )

    def labels(self) -> dict[str, str]:
        """Human names of the filters set, for headings and CSV notes."""
        names: dict[str, str] = {}
        for name in ("locality", "team", "service", "source", "urgency"):
            value = self.cleaned_data.get(name)
            if value not in (None, ""):
                field = form_field(self, name, forms.ChoiceField)
                # Read back, choices are the (value, label) pairs ``_choices`` made; the stubs type the
                # getter as anything choices may be given as (a mapping, a callable, an enum).
                choices = cast(list[tuple[str, str]], field.choices)
                names[str(field.label)] = dict(choices).get(str(value), "")
        return names
