"""The SNOMED CT choices the care pages offer: what a new record may use (the shipped members and
the active members the trust loaded from its release), less the activities that never stop a
clock, grouped by reference set. One query, whatever the number of loaded members."""

from codes.mhsds import CodeList
from codes.selectors import loaded_members
from codes.snomed import ASSESSMENT, EXCLUDED_FROM_CLOCK_STOP, INTERVENTION_LISTS

Choices = list[tuple[str, str] | tuple[str, list[tuple[str, str]]]]


def snomed_choices(*lists: CodeList, blank: str) -> Choices:
    """``[("", blank), (list title, [(code, display), ...]), ...]``, each list's members by name."""
    loaded: dict[str, list[tuple[str, str]]] = {}
    for refset_id, code, term in loaded_members(*lists).values_list("refset_id", "concept_id", "term"):
        loaded.setdefault(refset_id, []).append((code, term or code))
    choices: Choices = [("", blank)]
    for code_list in lists:
        shipped = [(c.code, c.display) for c in code_list.codes]
        known = {code for code, _ in shipped}
        members = shipped + [(code, term) for code, term in loaded.get(code_list.national_set, []) if code not in known]
        members = sorted(
            ((code, term) for code, term in members if code not in EXCLUDED_FROM_CLOCK_STOP), key=lambda c: c[1].lower()
        )
        if members:
            choices.append((code_list.title, members))
    return choices


def assessment_choices() -> Choices:
    return snomed_choices(ASSESSMENT, blank="Choose the assessment")


def intervention_choices() -> Choices:
    return snomed_choices(*INTERVENTION_LISTS, blank="Not coded")
