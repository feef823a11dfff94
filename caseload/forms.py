"""Forms for the caseload pages. They only adapt input: the rules live in caseload_allocate."""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms

from accounts.models import User
from common.forms import form_field
from localities.models import Team
from referrals.models import Referral

from .selectors import OPEN_STATUSES, AttentionFilter, ClockFilter, allocatable_workers

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a dev requirement: types only


class OpenCaseload(TypedDict):
    open_caseload: int  # open referrals the worker holds, across every team


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
            held = cast("WithAnnotations[User, OpenCaseload]", worker).open_caseload
            if held >= worker.caseload_capacity:
                # Warn before, not after: the choice stands only once someone has seen the figures.
                self.add_error(
                    "confirm_over_capacity",
                    f"{worker} holds {held} people against a capacity of {worker.caseload_capacity}: "
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
    over = " – over capacity" if worker.open_caseload >= worker.caseload_capacity else ""
    return f"{worker} ({worker.open_caseload} of {worker.caseload_capacity}{over})"
