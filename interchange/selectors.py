"""Who may make and download MHSDS extracts, and the reads the pages need.

An extract holds every person the provider saw in the month, so it is for the roles that send
or check the submission: service managers and information governance leads (there is no
data-quality lead role yet; they hold one of these). Everyone else gets a 404 (docs/adr/0010).
"""

from django.http import Http404

from accounts.models import Role, User
from localities.models import Organisation

from .models import ExtractRun

EXTRACT_ROLES = frozenset({Role.SERVICE_MANAGER, Role.IG_LEAD})


class NoProviderCode(ValueError):
    """No ODS code to name the provider by; the message says where to set one."""


def can_make_extracts(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in EXTRACT_ROLES)


def extract_runs_visible_to(user: User, *, limit: int = 24) -> list[ExtractRun]:
    if not can_make_extracts(user):
        return []
    return list(ExtractRun.objects.select_related("requested_by")[:limit])


def extract_run_get_for_user(user: User, run_id: int) -> ExtractRun:
    if not can_make_extracts(user):
        raise Http404("No such extract.")
    try:
        return ExtractRun.objects.select_related("requested_by").get(pk=run_id)
    except ExtractRun.DoesNotExist:
        raise Http404("No such extract.") from None


def provider_org_code(user: User | None = None) -> str:
    """The provider's ODS code: the user's own NHS trust's, else the one NHS trust that has one."""
    if user is not None and user.organisation is not None:
        org = user.organisation
        if org.kind == Organisation.Kind.NHS_TRUST and org.ods_code:
            return org.ods_code
    codes = list(
        Organisation.objects.filter(kind=Organisation.Kind.NHS_TRUST)
        .exclude(ods_code="")
        .values_list("ods_code", flat=True)[:2]
    )
    if len(codes) != 1:
        raise NoProviderCode(
            "Give the NHS trust that submits MHSDS its ODS code in the admin (Organisations): "
            + (
                "none has one."
                if not codes
                else "more than one trust has one, so say which by the user's organisation."
            )
        )
    return codes[0]
