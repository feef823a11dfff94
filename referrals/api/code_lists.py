"""GET /api/v1/code-lists/: every code list the API accepts: as shipped (codes/), and for the
SNOMED CT reference sets the active members loaded from the trust's release (two queries)."""

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from codes import mhsds, snomed
from codes.mhsds import CodeList
from codes.models import SnomedRefsetMember
from codes.selectors import LoadedSet, loaded_members, loaded_sets

from .lifecycle_serializers import CodeListOutputSerializer

CODE_LISTS: tuple[CodeList, ...] = (
    mhsds.CONSULTATION_MECHANISM,
    mhsds.ATTENDANCE,
    mhsds.TEAM_TYPE,
    mhsds.SOURCE_OF_REFERRAL,
    mhsds.CLINICAL_RESPONSE_PRIORITY,
    mhsds.PRIMARY_REASON,
    mhsds.CARE_PLAN_TYPE,
    snomed.ASSESSMENT,
    snomed.PSYCHOLOGICAL_THERAPY,
    snomed.PSYCHOSOCIAL,
    snomed.MEDICATION,
    snomed.EXCLUDED,
    snomed.OUTCOME_TOOL,
)


def _as_data(code_list: CodeList, members: list[SnomedRefsetMember], loaded: LoadedSet | None) -> dict:
    def entry(code: str, display: str, origin: str) -> dict:
        tool = snomed.OUTCOME_TOOL_BY_CODE.get(code) if code_list is snomed.OUTCOME_TOOL else None
        return {
            "code": code,
            "display": display,
            "lowest": tool.lowest if tool else None,
            "highest": tool.highest if tool else None,
            "origin": origin,
        }

    shipped = [entry(c.code, c.display, "shipped") for c in code_list.codes]
    added = [entry(m.concept_id, m.term, "loaded") for m in members if m.concept_id not in code_list]
    return {
        "name": code_list.name,
        "national_set": code_list.national_set,
        "title": code_list.title,
        "codes": shipped + added,
        "loaded": asdict(loaded) if loaded is not None else None,
    }


class CodeListApi(APIView):
    @extend_schema(
        operation_id="code_lists",
        summary="The MHSDS and SNOMED CT code lists the API accepts, with the national set each follows",
        description="The SNOMED CT lists hold the members NHS England's public code names (origin shipped) and "
        "the active members the trust loaded from its SNOMED CT UK release (origin loaded; manage.py "
        "load_snomed_refsets, docs/measures.md); psychosocial and medication interventions are empty until a "
        "trust loads its reference sets. excluded_activity lists activities that never stop a clock and are "
        "refused at entry.",
        responses={200: CodeListOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        refsets = tuple(snomed.REFERENCE_SETS.values())
        members: dict[str, list[SnomedRefsetMember]] = {}
        for member in loaded_members(*refsets).order_by("refset_id", "term", "concept_id"):
            members.setdefault(member.refset_id, []).append(member)
        loaded = loaded_sets(*refsets)
        data = [_as_data(c, members.get(c.national_set, []), loaded.get(c.national_set)) for c in CODE_LISTS]
        return Response(CodeListOutputSerializer(data, many=True).data)
