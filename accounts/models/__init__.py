from .audit import AuditEvent
from .grants import BreakGlassReview, PersonGrant, PersonShare
from .user import RecordScope, Role, TeamMembership, User

__all__ = [
    "AuditEvent",
    "BreakGlassReview",
    "PersonGrant",
    "PersonShare",
    "RecordScope",
    "Role",
    "TeamMembership",
    "User",
]
