"""The SNOMED CT lists the national measures read, as far as they are published.

NHS England's waiting-time code reads four SNOMED CT UK simple reference sets (developed by
PRSB "for the purposes of waiting times clock stops"): assessments, psychological therapies,
psychosocial interventions, and medication and physical therapy interventions
(4w_waits_prep.py L2-L96, docs/measures.md). Their members come from the licensed SNOMED CT UK
Edition and are not published anywhere this project can copy them from, so what ships here is
the small set whose membership NHS England's public code shows, each with its provenance. A
trust loads the full reference sets from its SNOMED CT UK release (``manage.py
load_snomed_refsets``, into ``codes.models.SnomedRefsetMember``); the lists the records accept
are then the shipped members and the loaded active ones (``codes.selectors``).

Outcome tools come from NHS England's own table of assessment tools (``mh_ass`` in
04_mhsds_ref_tables.py), with each tool's valid score range.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .mhsds import CodeList, _codes

ASSESSMENT_REFSET = "1853441000000109"
PSYCHOLOGICAL_THERAPY_REFSET = "1853461000000105"
PSYCHOSOCIAL_REFSET = "1853481000000101"
MEDICATION_REFSET = "1853451000000107"

# Assessment procedures. NHS England's code names these two members of the Assessments group
# (4w_waits_prep.py L877); their terms are NHS England's description of them.
ASSESSMENT = CodeList(
    name="assessment",
    national_set=ASSESSMENT_REFSET,
    title="Assessment procedures",
    codes=_codes(
        ("1085671000000109", "Assessment for autism spectrum disorder and attention deficit hyperactivity disorder"),
        ("1914891000000100", "Neurodevelopmental assessment (autism and ADHD)"),
    ),
)

# Psychological therapies: the codes NHS England's CMH psychological therapies query counts
# from the PRSB reference sets (nhsengland/MHSDS "CMH Dashboard/CMH Psych Therapies" L112-L133).
PSYCHOLOGICAL_THERAPY = CodeList(
    name="psychological_therapy",
    national_set=PSYCHOLOGICAL_THERAPY_REFSET,
    title="Psychological therapies",
    codes=_codes(
        ("390773006", "Cognitive analytic therapy"),
        ("718026005", "Cognitive behavioural therapy for psychosis"),
        ("1111811000000109", "Cognitive behavioural therapy for eating disorders"),
        ("1362001000000104", "Group cognitive behavioural therapy for eating disorders"),
        ("149451000000104", "Cognitive behavioural therapy for personality disorder"),
        ("405780009", "Dialectical behaviour therapy"),
        ("449030000", "Eye movement desensitisation and reprocessing therapy"),
        ("1833221000000102", "Family intervention for bipolar disorder"),
        ("985451000000105", "Family intervention for psychosis"),
        ("1365951000000107", "Family intervention for psychosis and bipolar disorder"),
        ("149591000000108", "Group cognitive and behavioural therapy for bipolar disorder"),
        ("1108261000000102", "Interpersonal and social rhythm therapy"),
        ("1106951000000105", "Interpersonal psychotherapy for group"),
        ("1323471000000102", "Maudsley model of anorexia nervosa treatment for adults"),
        ("1111681000000103", "Mentalisation based treatment"),
        ("1111691000000101", "Schema focused therapy"),
        ("1323451000000106", "Specialist supportive clinical management"),
        ("1111671000000100", "Transference focused psychotherapy"),
        ("149521000000105", "Trauma focused cognitive behavioural therapy"),
        ("1323681000000103", "Eating-disorder-focused focal psychodynamic therapy"),
        ("748051000000105", "Guided self-help using book"),
    ),
)

# No member of these two sets is named in NHS England's public code: they ship empty, and their
# members come from the trust's SNOMED CT UK release (manage.py load_snomed_refsets).
PSYCHOSOCIAL = CodeList(
    name="psychosocial_intervention",
    national_set=PSYCHOSOCIAL_REFSET,
    title="Psychosocial interventions",
    codes=(),
)
MEDICATION = CodeList(
    name="medication_intervention",
    national_set=MEDICATION_REFSET,
    title="Medication and physical therapy interventions",
    codes=(),
)

# The four reference sets a trust's release loads, by reference set id.
REFERENCE_SETS: dict[str, CodeList] = {
    code_list.national_set: code_list for code_list in (ASSESSMENT, PSYCHOLOGICAL_THERAPY, PSYCHOSOCIAL, MEDICATION)
}
INTERVENTION_LISTS = (PSYCHOLOGICAL_THERAPY, PSYCHOSOCIAL, MEDICATION)

# Codes in the reference sets that do not stop an adult's clock (4w_waits_prep.py L339-L340).
EXCLUDED_FROM_CLOCK_STOP = frozenset({"11429006", "975131000000104", "2386021000000108"})
EXCLUDED = CodeList(
    name="excluded_activity",
    national_set="4w_waits_prep.py L339-L340",
    title="Activities that never stop an adult's clock",
    codes=_codes(
        ("11429006", "Consultation"),
        ("975131000000104", "Signposting"),
        ("2386021000000108", "Discussion about subject of record with care professional"),
    ),
)


@dataclass(frozen=True)
class OutcomeTool:
    """A scored outcome measure: its SNOMED CT code for the total score and the valid range."""

    code: str
    name: str
    display: str
    lowest: Decimal
    highest: Decimal

    def refuses(self, score: Decimal) -> str:
        """Why a score cannot be recorded for this tool, or "" if it can."""
        if score < self.lowest or score > self.highest:
            return f"A {self.name} score is between {self.lowest:g} and {self.highest:g}."
        return ""


# 04_mhsds_ref_tables.py: ReQoL-10 L372, CORE-10 L15, PHQ-9 L240, GAD-7 L121, DIALOG items L100-L110.
OUTCOME_TOOLS: tuple[OutcomeTool, ...] = (
    OutcomeTool(
        "1091071000000100",
        "ReQoL-10",
        "Recovering Quality of Life 10-item questionnaire score",
        Decimal(0),
        Decimal(40),
    ),
    OutcomeTool(
        "718583008", "CORE-10", "Clinical Outcomes in Routine Evaluation - 10 clinical score", Decimal(0), Decimal(40)
    ),
    OutcomeTool("720433000", "PHQ-9", "Patient health questionnaire 9 score", Decimal(0), Decimal(27)),
    OutcomeTool("445455005", "GAD-7", "Generalized anxiety disorder 7 item score", Decimal(0), Decimal(21)),
    # DIALOG has no total-score concept: NHS England reads its item scores. Item 1 (satisfaction
    # with mental health) is the one we record as the tool's headline score; 1-7 is the scale.
    OutcomeTool(
        "1037651000000100",
        "DIALOG",
        "DIALOG patient rated outcome measure item 1 score - satisfaction with mental health",
        Decimal(1),
        Decimal(7),
    ),
)
OUTCOME_TOOL_BY_CODE = {tool.code: tool for tool in OUTCOME_TOOLS}
OUTCOME_TOOL_BY_NAME = {tool.name: tool for tool in OUTCOME_TOOLS}
OUTCOME_TOOL = CodeList(
    name="outcome_tool",
    national_set="mh_ass (04_mhsds_ref_tables.py)",
    title="Outcome measures (total score)",
    codes=_codes(*((tool.code, f"{tool.name}: {tool.display}") for tool in OUTCOME_TOOLS)),
)

# Which group of the reference sets a code belongs to, for the clock stop.
ASSESSMENT_GROUP = "assessment"
INTERVENTION_GROUP = "intervention"
