from .api_token import ApiToken
from .audit import AuditEvent
from .enrolment import EnrolmentCode
from .user import RecordScope, Role, TeamMembership, User

__all__ = [
    "ApiToken",
    "AuditEvent",
    "EnrolmentCode",
    "RecordScope",
    "Role",
    "TeamMembership",
    "User",
]
