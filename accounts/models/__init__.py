from .absence import Absence
from .api_token import ApiToken
from .audit import AuditEvent
from .enrolment import EnrolmentCode
from .user import RecordScope, Role, TeamMembership, User

__all__ = [
    "Absence",
    "ApiToken",
    "AuditEvent",
    "EnrolmentCode",
    "RecordScope",
    "Role",
    "TeamMembership",
    "User",
]
