"""The national measures, computed as NHS England's published code computes them
(docs/measures.md is the rule book, with the file and line each rule follows).

One module per measure, each one function from a period to a ``MeasureResult``; ``MEASURES``
names them for the API and the dashboard.
"""

from collections.abc import Callable
from dataclasses import dataclass

from .cmh_second_contact import cmh_second_contact, cmh_second_contact_figures
from .crisis import crisis_urgent_24h, crisis_very_urgent_4h
from .eip import eip_two_weeks
from .liaison import liaison_1h
from .periods import BadPeriod, MeasurePeriod, parse_period
from .referral_spell import referral_spell, referral_spell_figures
from .response_times import shared_month_reads
from .result import MeasureResult, MeasureRow

_MHSDS = "NHSDigital/mental-health-monthly-statistics @ 7b4d742, Mental_Health_Monthly_Statistics/menh_bbrb/notebooks"
_CMHD = "nhsengland/MHSDS @ dc7bf10"


@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    nhs_england_ids: tuple[str, ...]
    definition: str
    source: str
    quarterly: bool
    unit: str  # "minutes" or "days"
    compute: Callable[[MeasurePeriod], MeasureResult]
    # The figures without the rows, where a measure counts them faster than it lists them.
    compute_figures: Callable[[MeasurePeriod], MeasureResult] | None = None

    def period(self, text: str) -> MeasurePeriod:
        return parse_period(text, quarterly=self.quarterly)

    def figures(self, period: MeasurePeriod) -> MeasureResult:
        """The numerator, denominator and still waiting (``rows`` may be empty): the same
        figures as ``compute``."""
        return (self.compute_figures or self.compute)(period)


MEASURES: dict[str, Measure] = {
    m.code: m
    for m in (
        Measure(
            code="crisis_very_urgent_4h",
            name="Very urgent crisis referrals seen face to face within 4 hours",
            nhs_england_ids=("CCR117", "CCR119"),
            definition=(
                "Referrals received in the month by crisis team types A02, A18 and A19 that were very urgent at "
                "the end of that month, and of them those whose first attended face-to-face contact at or after "
                "the referral's time, in the same month, came within 240 minutes (inclusive). The rate divides "
                "by every very urgent referral, so one never seen counts as not met."
            ),
            source=f"{_MHSDS}/02_Specific_Prepare/07_uec/uec_prep.py L10-L127; measure_metadata.py L2493-L2582",
            quarterly=False,
            unit="minutes",
            compute=crisis_very_urgent_4h,
        ),
        Measure(
            code="crisis_urgent_24h",
            name="Urgent crisis referrals seen face to face within 24 hours",
            nhs_england_ids=("CCR71", "CCR120"),
            definition=(
                "Referrals received in the month by crisis team types A02, A18 and A19 that were urgent at the "
                "end of that month, and of them those whose first attended face-to-face contact at or after the "
                "referral's time, in the same month, came within 1,440 minutes (inclusive)."
            ),
            source=f"{_MHSDS}/02_Specific_Prepare/07_uec/uec_prep.py L10-L127; measure_metadata.py L2493-L2582",
            quarterly=False,
            unit="minutes",
            compute=crisis_urgent_24h,
        ),
        Measure(
            code="liaison_1h",
            name="Emergency department referrals to liaison seen face to face within 1 hour",
            nhs_england_ids=("PLS121", "PLS123"),
            definition=(
                "Referrals received in the month by liaison team types A11 and C05 from the emergency department "
                "(source of referral H1), whatever their priority, and of them those whose first attended "
                "face-to-face contact in the same month came within 60 minutes (inclusive)."
            ),
            source=f"{_MHSDS}/02_Specific_Prepare/07_uec/uec_prep.py L136-L206; measure_metadata.py L2673-L2718",
            quarterly=False,
            unit="minutes",
            compute=liaison_1h,
        ),
        Measure(
            code="cmh_second_contact",
            name="Community referrals with a second contact within 4 weeks",
            nhs_england_ids=("CMH dashboard",),
            definition=(
                "Referrals of people 18 or over on the received date to core community team types (A05, A06, "
                "A08, A09, A12, A13, A16, C03, C10), without a hospital stay, whose second attended direct "
                "contact (01, 02, 04, 11) fell in the month; within 4 weeks when 0 to 27 whole UK dates after "
                "the received date. Still waiting: open at the month's end with no second contact, banded "
                "0-6, 7-13, 14-27, 28-84 and over 84 days."
            ),
            source=f"{_CMHD}, CMH Dashboard/CMH Dashboard L84-L96, L233, L477-L510",
            quarterly=False,
            unit="days",
            compute=cmh_second_contact,
            compute_figures=cmh_second_contact_figures,
        ),
        Measure(
            code="referral_spell",
            name="Referral spells with a full clock stop within 4 weeks",
            nhs_england_ids=("MRS01", "MRS01a", "MRS01b", "MRS02"),
            definition=(
                "Spells of referrals (joined per person when the next is received no more than 5 days after "
                "the last ended) of people 18 or over to core community team types, without a hospital stay, "
                "whose clock stop fell in the quarter ending with the chosen month. The clock stops on the "
                "latest of: the first attended direct contact, a baseline outcome measure, a coded assessment "
                "(spells from April 2024) and a care plan or coded intervention, each the earliest in the "
                "spell; within 4 weeks when 28 days or fewer. Still waiting (MRS02): spells open at the end of "
                "the quarter without a clock stop, over 364, 546 and 728 days."
            ),
            source=f"{_MHSDS}/02_Specific_Prepare/02_4w_waits/4w_waits_prep.py L130-L591; measure_metadata.py L470-L619",
            quarterly=True,
            unit="days",
            compute=referral_spell,
            compute_figures=referral_spell_figures,
        ),
        Measure(
            code="eip_two_weeks",
            name="Early intervention in psychosis: treatment within 2 weeks of referral",
            nhs_england_ids=("EIP23a", "EIP23b", "EIP23d"),
            definition=(
                "Referrals for (suspected) first episode psychosis (primary reason 01) to early intervention "
                "teams (A14), received from 2016, whose treatment started in the quarter ending with the chosen "
                "month. Treatment starts on the later of the first attended direct contact and the first care "
                "coordinator (here the first link worker allocated), each on or after the received date; within "
                "2 weeks when 14 days or fewer. Still waiting (EIP23d): open at the end of the quarter without "
                "both, banded 0-14 and over 14 days."
            ),
            source=(
                "NHSDigital/mental-health-monthly-statistics @ 7b4d742, Mental_Health_Monthly_Statistics/"
                "menh_publications/notebooks/07_EIP/01_Prepare/01_EIP_prep.py L106, L195, L225-L285, L541-L545"
            ),
            quarterly=True,
            unit="days",
            compute=eip_two_weeks,
        ),
    )
}

__all__ = [
    "MEASURES",
    "BadPeriod",
    "Measure",
    "MeasurePeriod",
    "MeasureResult",
    "MeasureRow",
    "cmh_second_contact",
    "cmh_second_contact_figures",
    "crisis_urgent_24h",
    "crisis_very_urgent_4h",
    "eip_two_weeks",
    "liaison_1h",
    "parse_period",
    "referral_spell",
    "referral_spell_figures",
    "shared_month_reads",
]
