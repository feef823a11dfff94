from .locality import Locality, PostcodeDistrict
from .organisation import Organisation
from .practice import Practice
from .team import Team

__all__ = ["Locality", "Organisation", "PostcodeDistrict", "Practice", "Team"]
