from .audit import AuditEvent
from .user import Role, TeamMembership, User

__all__ = ["AuditEvent", "Role", "TeamMembership", "User"]
