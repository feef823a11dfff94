"""Reads for the trusted assessment page and the person's decision about sharing it.

Access is decided before these run: every function takes a Person that came from
``person_get_for_user``. Each reads a fixed number of queries, however many additions there are.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from access.models import PersonShare
from access.selectors import referrals_visible_to
from accounts.models import User
from referrals.models import AssessmentAddition, Person, Referral, SharingConsent, TrustedAssessment
from referrals.selectors import consent_in_force

from .forms import AssessmentAdditionForm


@dataclass
class AssessmentSection:
    value: str
    label: str
    original: str
    additions: list[AssessmentAddition] = field(default_factory=list)
    form: AssessmentAdditionForm | None = None  # the section's "Add to this section" form, set by the view

    @property
    def add_label(self) -> str:
        return f"Your addition to \u201c{self.label}\u201d"


def trusted_assessment_for(person: Person) -> tuple[TrustedAssessment | None, list[AssessmentSection]]:
    """The person's assessment and its sections in order, each with its dated additions (2 queries)."""
    assessment = (
        TrustedAssessment.objects.select_related("written_by", "organisation", "referral")
        .prefetch_related(
            Prefetch(
                "additions",
                queryset=AssessmentAddition.objects.select_related("added_by", "organisation").order_by(
                    "added_at", "id"
                ),
            )
        )
        .filter(person=person)
        .first()
    )
    if assessment is None:
        return None, []
    by_section: dict[str, list[AssessmentAddition]] = defaultdict(list)
    for addition in assessment.additions.all():
        by_section[addition.section].append(addition)
    sections = [
        AssessmentSection(s.value, s.label, getattr(assessment, s.value), by_section[s.value])
        for s in TrustedAssessment.Section
    ]
    return assessment, sections


def assessment_section(assessment: TrustedAssessment, section: str) -> AssessmentSection:
    """One section with its additions, for the htmx fragment after adding to it (1 query)."""
    additions = list(
        AssessmentAddition.objects.select_related("added_by", "organisation")
        .filter(assessment=assessment, section=section)
        .order_by("added_at", "id")
    )
    label = TrustedAssessment.Section(section).label
    return AssessmentSection(section, label, getattr(assessment, section), additions)


def referrals_for_assessment(user: User, person: Person) -> QuerySet[Referral]:
    """The person's referrals this user can see, open ones first, for "which referral is this for"."""
    visible = referrals_visible_to(user, open_only=True, among=Q(person=person))  # the person's, not all the user's
    return visible.order_by("-received_at", "-id")


def consent_latest(person: Person) -> SharingConsent | None:
    """The person's current decision about sharing (2 queries)."""
    return consent_in_force(person)


def shares_for(person: Person) -> list[PersonShare]:
    """Organisations the record is shared with now, under the consent in force (1 query)."""
    return list(PersonShare.objects.filter(content_object=person).select_related("organisation", "granted_by"))


def consent_state(consent: SharingConsent | None) -> str:
    """'none', 'given', 'refused' or 'withdrawn': what the decision in force means today."""
    if consent is None:
        return "none"
    if consent.withdrawn_at is not None:
        return "withdrawn"
    return "given" if consent.decision == SharingConsent.Decision.GIVEN else "refused"
