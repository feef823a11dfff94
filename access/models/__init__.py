from .grants import BreakGlassReview, PersonGrant, PersonShare

__all__ = ["BreakGlassReview", "PersonGrant", "PersonShare"]
