"""Factories per model and per state. Referrals are built through the services,
as a user would make them, so the clocks and audit rows are real: one factory per
lifecycle state in ``states.py`` (its docstring lists them)."""

from .groups import make_cohort, make_group  # noqa: F401 (re-exported)
from .localities import LocalityFactory, OrganisationFactory, PostcodeDistrictFactory, PracticeFactory, TeamFactory
from .pathways import CenService, make_cen_service, make_placement  # noqa: F401 (re-exported)
from .people import PersonFactory, UserFactory, valid_nhs_number
from .referrals import make_alert, make_notification, make_referral
from .referrer import REFERRER_MAILBOX, make_referral_from_referrer  # noqa: F401 (re-exported)
from .states import (
    make_allocated_referral,
    make_closed_referral,
    make_discharged_referral,
    make_in_treatment_referral,
    make_received_referral,
    make_redirected_referral,
    make_triaged_referral,
)
from .waits import make_eip_policy, make_offer, make_urgent_care_hub_policy  # noqa: F401 (re-exported)

__all__ = [
    "LocalityFactory",
    "OrganisationFactory",
    "PersonFactory",
    "PostcodeDistrictFactory",
    "PracticeFactory",
    "TeamFactory",
    "UserFactory",
    "make_allocated_referral",
    "make_closed_referral",
    "make_discharged_referral",
    "make_in_treatment_referral",
    "make_alert",
    "make_notification",
    "make_received_referral",
    "make_redirected_referral",
    "make_referral",
    "make_triaged_referral",
    "valid_nhs_number",
]
