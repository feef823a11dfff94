from .allocation import Allocation

__all__ = ["Allocation"]
