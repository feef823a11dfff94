from .grants import BreakGlassReview, PersonGrant, PersonShare
from .intake import IntakeReceipt

__all__ = ["BreakGlassReview", "IntakeReceipt", "PersonGrant", "PersonShare"]
