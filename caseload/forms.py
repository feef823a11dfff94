"""Forms for the caseload pages. They only adapt input: the rules live in caseload_allocate."""

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms

from accounts.models import Absence, User
from common.forms import form_field, nhs_date_field
from common.london import london
from localities.models import Team
from referrals.models import Referral

from .selectors import OPEN_STATUSES, AttentionFilter, ClockFilter, allocatable_workers

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a dev requirement: types only


class OpenCaseload(TypedDict):
    open_caseload: int  # open referrals the worker holds, across every team
    capacity_now: int  # their capacity, reduced while an absence is in force (selectors.with_capacity)
    absent_until: datetime | None  # the end of the absence in force, if any


def with_open_caseload(workers: Iterable[User]) -> "list[WithAnnotations[User, OpenCaseload]]":
    """Workers from ``selectors.team_workers``, ``allocatable_workers`` or ``allocation_candidates``,
    typed with the ``open_caseload`` those selectors annotate (their declared type is the plain model)."""
    return cast("list[WithAnnotations[User, OpenCaseload]]", list(workers))


class CaseloadFilterForm(forms.Form):
    """My caseload filters (GET). Unknown values are ignored rather than shown as errors."""

    q = forms.CharField(
        label="Search by name, reference or NHS number",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"enterkeyhint": "search", "autocomplete": "off", "spellcheck": "false"}),
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status")] + [(s.value, s.label) for s in OPEN_STATUSES],
    )
    clock = forms.ChoiceField(
        label="Clocks",
        required=False,
        choices=[("", "Any")] + list(ClockFilter.choices),
    )
    attention = forms.ChoiceField(
        label="Needs attention",
        required=False,
        choices=[("", "Everyone")] + list(AttentionFilter.choices),
    )

    def filters(self) -> dict[str, str]:
        """The valid filters, or none at all if the query string was tampered with."""
        if not self.is_valid():
            return {"search": "", "status": "", "clock": "", "attention": ""}
        data = self.cleaned_data
        return {"search": data["q"], "status": data["status"], "clock": data["clock"], "attention": data["attention"]}


class WorkerSearchForm(forms.Form):
    q = forms.CharField(
        label="Search for a worker in any partner organisation",
        help_text="A name, job title or organisation, for example: peer support, Mind",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"enterkeyhint": "search", "autocomplete": "off", "spellcheck": "false"}),
    )


class AllocateForm(forms.Form):
    """Who will hold the person, in which team, and (when reassigning) the handover note."""

    link_worker = forms.ModelChoiceField(
        queryset=User.objects.none(),
        widget=forms.RadioSelect,
        label="Link worker",
        error_messages={
            "required": "Choose who will be the person's link worker",
            "invalid_choice": "Choose a link worker from the list",
        },
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        label="Team",
        help_text="The team that holds the person with this link worker",
        error_messages={"required": "Choose a team", "invalid_choice": "Choose a team from the list"},
    )
    handover_note = forms.CharField(
        label="Handover note",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the new link worker needs to know: what has been agreed, risks, what the person prefers",
    )

    confirm_over_capacity = forms.BooleanField(
        label="Allocate anyway, over their capacity",
        required=False,
    )

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.referral = referral
        # Anyone who may hold a caseload in any partner organisation; the page shows the team's
        # workers and the search results, but the choice is checked against everybody.
        form_field(self, "link_worker", forms.ModelChoiceField).queryset = allocatable_workers()
        if referral.team_id and "team" not in self.initial:
            self.initial["team"] = referral.team_id
        if referral.allocated_to_id:
            self.fields["handover_note"].help_text = (
                "Required when reassigning. " + self.fields["handover_note"].help_text
            )

    @property
    def reassigning(self) -> bool:
        return self.referral.allocated_to_id is not None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        worker: User | None = data.get("link_worker")
        team: Team | None = data.get("team")
        if worker and team and team.pk != self.referral.team_id and not worker.memberships.filter(team=team).exists():
            self.add_error("team", "Choose the referral's team or a team the link worker belongs to")
        if self.reassigning and worker and worker.pk != self.referral.allocated_to_id:
            if not data.get("handover_note", "").strip():
                self.add_error("handover_note", "Write a handover note for the new link worker")
        if worker and worker.pk != self.referral.allocated_to_id and not data.get("confirm_over_capacity"):
            annotated = cast("WithAnnotations[User, OpenCaseload]", worker)
            held, capacity = annotated.open_caseload, annotated.capacity_now
            if held >= capacity:
                # Warn before, not after: the choice stands only once someone has seen the figures.
                away = f" while away until {london(annotated.absent_until)}" if annotated.absent_until else ""
                self.add_error(
                    "confirm_over_capacity",
                    f"{worker} holds {held} people against a capacity of {capacity}{away}: "
                    f"this makes {held + 1}. Tick to allocate anyway, or choose someone with room",
                )
        return data

    @property
    def over_capacity_asked(self) -> bool:
        """Whether to show the "allocate anyway" box: the warning was given, or it was ticked."""
        return bool(self.errors.get("confirm_over_capacity")) or bool(
            self.data.get(self.add_prefix("confirm_over_capacity"))
        )


class InlineAllocateForm(AllocateForm):
    """The short form on the team page, to a worker in the team: a first allocation, or a
    reassignment with its handover note."""

    def __init__(
        self, *args: Any, referral: Referral, workers: "list[WithAnnotations[User, OpenCaseload]]", **kwargs: Any
    ) -> None:
        super().__init__(*args, referral=referral, **kwargs)
        field = form_field(self, "link_worker", forms.ModelChoiceField)
        field.widget = forms.Select()
        field.choices = [("", "Choose a link worker")] + [(w.pk, worker_choice_label(w)) for w in workers]
        self.fields["team"].widget = forms.HiddenInput()


def worker_choice_label(worker: "WithAnnotations[User, OpenCaseload]") -> str:
    over = " – over capacity" if worker.open_caseload >= worker.capacity_now else ""
    away = f", away until {london(worker.absent_until)}" if worker.absent_until else ""
    return f"{worker} ({worker.open_caseload} of {worker.capacity_now}{away}{over})"


# --- moving a worker's whole caseload, and recording their absence -----------------------------

UNALLOCATED = "unallocated"


def suggest_by_room(rows: list[Referral], candidates: "list[WithAnnotations[User, OpenCaseload]]") -> dict[int, str]:
    """A first plan for moving ``rows``: each person to whoever has most room left (capacity now
    minus what they hold, less what this plan already gives them), or back to the team's
    unallocated list once nobody has room. The manager changes it before moving anyone."""
    room = {w.pk: w.capacity_now - w.open_caseload for w in candidates}
    plan: dict[int, str] = {}
    for row in rows:
        best = max(candidates, key=lambda w: room[w.pk], default=None)  # ties: the first, most room
        if best is None or room[best.pk] <= 0:
            plan[row.pk] = UNALLOCATED
            continue
        plan[row.pk] = str(best.pk)
        room[best.pk] -= 1
    return plan


class ReassignForm(forms.Form):
    """For each person the worker holds: stay, a new worker in the team, or back to the team's
    unallocated list; one handover note for everyone, or a note of their own."""

    note = forms.CharField(
        label="Handover note for everyone you move",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Used for each person without a note of their own: why they are moving and who to ask",
    )
    confirm_over_capacity = forms.BooleanField(label="Move them anyway, over capacity", required=False)

    def __init__(
        self,
        *args: Any,
        rows: list[Referral],
        worker: User,
        candidates: "list[WithAnnotations[User, OpenCaseload]]",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rows, self.worker = rows, worker
        self.candidates = {str(w.pk): w for w in candidates}
        choices = [("", f"Stays with {worker}"), (UNALLOCATED, "Back to the team's unallocated list")] + [
            (str(w.pk), worker_choice_label(w)) for w in candidates
        ]
        for row in rows:
            name = f"{row.person.given_name} {row.person.family_name}"
            self.fields[f"to_{row.pk}"] = forms.ChoiceField(label=f"Where {name} goes", choices=choices, required=False)
            self.fields[f"note_{row.pk}"] = forms.CharField(
                label=f"Handover note for {name} only (optional)",
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def people(self) -> list[tuple[Referral, forms.BoundField, forms.BoundField]]:
        """Each person with their two fields, for the page."""
        return [(row, self[f"to_{row.pk}"], self[f"note_{row.pk}"]) for row in self.rows]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        planned: dict[str, int] = {}
        moving = 0
        for row in self.rows:
            to = data.get(f"to_{row.pk}", "")
            if not to:
                continue
            moving += 1
            if not (data.get(f"note_{row.pk}", "").strip() or data.get("note", "").strip()):
                self.add_error(
                    f"note_{row.pk}",
                    f"Write a handover note for {row.person.given_name} {row.person.family_name}, or one for everyone",
                )
            if to != UNALLOCATED:
                planned[to] = planned.get(to, 0) + 1
        if not moving:
            raise forms.ValidationError("Choose where at least one person goes")
        if not data.get("confirm_over_capacity"):
            over = [
                f"{w} holds {w.open_caseload} of {w.capacity_now}: this makes {w.open_caseload + n}"
                for pk, n in planned.items()
                if (w := self.candidates[pk]).open_caseload + n > w.capacity_now
            ]
            if over:
                # Warn before, not after: the plan stands only once someone has seen the figures.
                self.add_error(
                    "confirm_over_capacity",
                    "; ".join(over) + ". Tick to move them anyway, or choose someone with room",
                )
        return data

    def moves(self) -> list[tuple[Referral, User | None, str]]:
        """(referral, new worker or None for the unallocated list, handover note) for each person moving."""
        data = self.cleaned_data
        out: list[tuple[Referral, User | None, str]] = []
        for row in self.rows:
            to = data.get(f"to_{row.pk}", "")
            if to:
                note = data.get(f"note_{row.pk}", "").strip() or data["note"].strip()
                out.append((row, None if to == UNALLOCATED else self.candidates[to], note))
        return out

    @property
    def over_capacity_asked(self) -> bool:
        return bool(self.errors.get("confirm_over_capacity")) or bool(self.data.get("confirm_over_capacity"))


class AbsenceForm(forms.Form):
    """The worker is away for a range of days: their capacity meanwhile, and who covers them."""

    first_day = nhs_date_field("First day away", help_text="For example, 7 12 2026")
    last_day = nhs_date_field("Last day away", help_text="For example, 18 12 2026")
    kind = forms.ChoiceField(
        label="Why are they away?",
        choices=Absence.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why they are away"},
    )
    capacity_during = forms.IntegerField(
        label="People they can hold while away",
        min_value=0,
        max_value=1000,
        initial=0,
        help_text="0 if they take nobody new; a few for a phased return",
        error_messages={"required": "Enter how many people they can hold while away, or 0"},
    )
    covering = forms.ModelChoiceField(
        label="Who covers them (optional)",
        queryset=User.objects.none(),
        required=False,
        empty_label="Nobody: no cover",
        help_text="The colleague may open the records of everyone they hold, for these days only",
    )
    reason = forms.CharField(
        label="Reason for the cover",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed with cover, in a sentence. Say nothing about the worker's health",
    )

    def __init__(self, *args: Any, colleagues: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "covering", forms.ModelChoiceField).queryset = User.objects.filter(
            pk__in=[c.pk for c in colleagues]
        ).order_by("last_name", "first_name", "pk")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", "The last day away must be the same as or after the first day")
        return data
