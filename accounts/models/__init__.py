from .audit import AuditEvent
from .user import RecordScope, Role, TeamMembership, User

__all__ = [
    "AuditEvent",
    "RecordScope",
    "Role",
    "TeamMembership",
    "User",
]
