"""Form fields for the NHS.UK date and time inputs, as ``nhsuk_field`` draws them, and
``form_field``: one of a form's fields as the class it was declared with."""

from datetime import time
from typing import Any, TypeVar

from django import forms

_Field = TypeVar("_Field", bound=forms.Field)


def form_field(form: forms.BaseForm, name: str, kind: type[_Field]) -> _Field:
    """``form.fields[name]``, checked to be a ``kind``: a form that narrows a field's queryset or
    choices in ``__init__`` gets it with that type (``form.fields`` holds them as plain ``Field`` objects)."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is a {type(field).__name__}, not a {kind.__name__}.")
    return field


class TimeOfDayField(forms.TimeField):
    """A 24-hour time typed as 14:30 (or 1430, or 14.30)."""

    # Shown as 18:00, not Python's 18:00:00, when the form starts from a stored time.
    widget = forms.TimeInput(
        format="%H:%M", attrs={"inputmode": "numeric", "autocomplete": "off", "class": "nhsuk-input--width-5"}
    )

    def to_python(self, value: str | time | None) -> time | None:
        if isinstance(value, str):
            value = value.strip().replace(".", ":")
            if value.isdigit() and len(value) in (3, 4):
                value = f"{value[:-2]}:{value[-2:]}"
        return super().to_python(value)


def nhs_date_field(label: str, *, required: bool = True, **kwargs: Any) -> forms.DateField:
    """A date typed into the NHS.UK day, month and year boxes (``nhsuk_field`` draws SelectDateWidget so).

    The messages name the field; pass ``error_messages`` to word them otherwise.
    """
    kwargs.setdefault(
        "error_messages", {"invalid": f"{label} must be a real date", "required": f"Enter the {label.lower()}"}
    )
    return forms.DateField(label=label, required=required, widget=forms.SelectDateWidget, **kwargs)


class LimitedCharField(forms.CharField):
    """Text with a limit the server enforces and the page shows, never the browser.

    Django gives every CharField's input a ``maxlength`` attribute, and a browser then cuts typed
    or pasted text at the limit without a word: a 120-character name saved as its first 100. This
    field leaves the attribute off, so too much text is refused with a message naming the field
    (``what``), and ``nhsuk_field`` draws a textarea as NHS.UK's character count.
    """

    shows_character_count = True

    def __init__(self, *, max_length: int, what: str, **kwargs: Any) -> None:
        messages = kwargs.pop("error_messages", None) or {}
        messages.setdefault(
            "max_length", f"{what} must be {max_length:,} characters or fewer (you entered %(show_value)s)"
        )
        super().__init__(max_length=max_length, error_messages=messages, **kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs
