"""NHS.UK design system markup for Django forms, the header and pagination.

``{% load nhsuk %}`` then:

* ``{% nhsuk_field form.field %}``: label, hint (the field's help_text), inline error and the
  control, as NHS.UK frontend v10 marks them up. The widget decides the component: text-like
  inputs, Select, Textarea, RadioSelect, CheckboxSelectMultiple, CheckboxInput, and
  SelectDateWidget (drawn as the NHS three-box date input; Django's SelectDateWidget reads the
  ``<name>_day``/``_month``/``_year`` boxes back, so no custom widget is needed, and a subclass
  that names its boxes otherwise, like the dashboard's ``from-day``, is drawn with its names).
  A widget's own ``id`` attribute wins over the form's ``id_<name>``, as in Django's rendering.
  Options: ``label="..."``, ``hint="..."``, ``size="s|m|l|xl"``, ``page_heading=True`` (the label or
  legend becomes the page's h1), ``classes="nhsuk-input--width-10"`` (added to the control),
  ``inline=True`` (radios and checkboxes side by side).
* ``{% nhsuk_error_summary form [other_form ...] %}``: the "There is a problem" box, each
  message linking to its field. Put it first in <main> and prefix the page title with "Error: ".
* ``{% nhsuk_page_range page_obj as pages %}``: page numbers with gaps, for includes/pagination.html.
* ``{% header_nav_item "/triage/" "Triage" %}``: a header navigation link that marks itself
  current (aria-current) on its own page and the pages below it.
"""

from dataclasses import dataclass
from typing import Any

from django import forms, template
from django.core.paginator import Page
from django.forms import BoundField
from django.template.context import Context
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_SIZES = {"s", "m", "l", "xl"}
# Widths of the date boxes (NHS.UK input width classes: 2 characters, 2, 4).
_DATE_PARTS = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))


@dataclass(frozen=True)
class _Choice:
    id: str
    name: str
    value: str
    label: str
    checked: bool
    disabled: bool


def _kind(widget: forms.Widget) -> str:
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, forms.SelectDateWidget):
        return "date"
    if isinstance(widget, forms.CheckboxSelectMultiple):  # before RadioSelect: it is a subclass
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.Select):  # also SelectMultiple and NullBooleanSelect
        return "select"
    return "input"


def _control_id(field: BoundField) -> str:
    """The field's id: the widget's own ``id`` if it has one (as Django's rendering honours), else the form's."""
    return field.field.widget.attrs.get("id") or field.auto_id


def _date_part_patterns(widget: forms.SelectDateWidget) -> dict[str, str]:
    """How the widget names its boxes from the field's name ("%s_day" for Django's own)."""
    return {"day": widget.day_field, "month": widget.month_field, "year": widget.year_field}


def field_anchor(field: BoundField) -> str:
    """The id of the first control of a field: where the error summary's link lands."""
    widget = field.field.widget
    kind = _kind(widget)
    if kind in {"radios", "checkboxes"}:
        return f"{_control_id(field)}_0"
    if kind == "date":
        return _date_part_patterns(widget)["day"] % _control_id(field)
    return _control_id(field)


def _classes(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _date_parts(field: BoundField, has_error: bool, classes: str) -> list[dict[str, str]]:
    patterns = _date_part_patterns(field.field.widget)
    if field.form.is_bound:
        # Show exactly what was typed, even when it was not a date.
        values = {part: field.form.data.get(patterns[part] % field.html_name, "") for part, _, _ in _DATE_PARTS}
    else:
        initial = field.value()
        values = {part: getattr(initial, part, "") if initial else "" for part, _, _ in _DATE_PARTS}
    return [
        {
            "id": patterns[part] % _control_id(field),
            "name": patterns[part] % field.html_name,
            "label": label,
            "value": values[part],
            "classes": _classes(
                "nhsuk-input",
                "nhsuk-input--error" if has_error else "",
                f"nhsuk-input--width-{width}",
                "nhsuk-date-input__input",
                classes,
            ),
        }
        for part, label, width in _DATE_PARTS
    ]


def _choices(field: BoundField) -> list[_Choice]:
    return [
        _Choice(
            id=sub.data["attrs"]["id"],
            name=sub.data["name"],
            value="" if sub.data["value"] is None else str(sub.data["value"]),
            label=str(sub.choice_label),
            checked=bool(sub.data["selected"]),
            disabled=bool(sub.data["attrs"].get("disabled")),
        )
        for sub in field.subwidgets
    ]


def _attrs_html(attrs: dict[str, Any]) -> SafeString:
    """As Django's django/forms/widgets/attrs.html: ``True`` a bare attribute, ``False`` left out."""
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', value))
            for name, value in attrs.items()
            if value is not False
        ),
    )


_SELECT_TEMPLATES = ("django/forms/widgets/select.html", "django/forms/widgets/select_option.html")


def _drawn_here(widget: forms.Widget) -> bool:
    """A select with Django's own templates (a widget with templates of its own keeps them)."""
    return isinstance(widget, forms.Select) and (widget.template_name, widget.option_template_name) == _SELECT_TEMPLATES


def _select_html(field: BoundField, attrs: dict[str, Any]) -> SafeString:
    """What ``field.as_widget(attrs=attrs)`` gives for a Select (SelectMultiple, NullBooleanSelect),
    to the byte, built here rather than through Django's widget templates: they render one
    template per option, which was most of the filter forms' cost on the caseload and triage
    pages (issue 17, docs/adr/0013). The widget still works out its attributes and options
    (``get_context``); only the markup is written here."""
    widget = field.field.widget
    attrs = field.build_widget_attrs(attrs, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    groups = []
    for group_name, options, _ in context["optgroups"]:
        rendered = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>\n',  # the option template ends in a newline
            ((str(option["value"]), _attrs_html(option["attrs"]), option["label"]) for option in options),
        )
        if group_name:
            rendered = format_html('\n  <optgroup label="{}">{}\n  </optgroup>', group_name, rendered)
        groups.append(rendered)
    return format_html(
        '<select name="{}"{}>{}\n</select>', context["name"], _attrs_html(context["attrs"]), mark_safe("".join(groups))
    )


@register.simple_tag
def nhsuk_field(
    field: BoundField,
    *,
    label: str | None = None,
    hint: str | None = None,
    size: str = "",
    page_heading: bool = False,
    classes: str = "",
    inline: bool = False,
) -> SafeString:
    if not isinstance(field, BoundField):
        raise template.TemplateSyntaxError(f"nhsuk_field needs a bound form field, not {field!r}.")
    if size and size not in _SIZES:
        raise template.TemplateSyntaxError(f"nhsuk_field size must be one of {sorted(_SIZES)}, not {size!r}.")
    widget = field.field.widget
    kind = _kind(widget)
    if kind == "hidden":
        return field.as_hidden()

    field_id = _control_id(field)
    errors = list(field.errors)
    hint_text = field.help_text if hint is None else hint
    hint_id = f"{field_id}-hint" if hint_text else ""
    error_id = f"{field_id}-error" if errors else ""
    # A textarea with a limit (common.forms.LimitedCharField) is NHS.UK's character count.
    character_count = (
        getattr(field.field, "max_length", None)
        if kind == "textarea" and getattr(field.field, "shows_character_count", False)
        else None
    )
    info_id = f"{field_id}-info" if character_count else ""
    described_by = _classes(hint_id, error_id, info_id)
    context = {
        "field": field,
        "kind": kind,
        "id": field_id,
        "label": field.label if label is None else label,
        "label_classes": f"nhsuk-label--{size}" if size else "",
        "legend_classes": f"nhsuk-fieldset__legend--{size}" if size else "",
        "page_heading": page_heading,
        "hint": hint_text,
        "hint_id": hint_id,
        "errors": errors,
        "error_id": error_id,
        "described_by": described_by,
        "inline": inline,
        "character_count": character_count,
        "info_id": info_id,
    }
    own_class = widget.attrs.get("class", "")
    if kind in {"input", "select", "textarea"}:
        base = {"input": "nhsuk-input", "select": "nhsuk-select", "textarea": "nhsuk-textarea"}[kind]
        count_class = "nhsuk-js-character-count" if character_count else ""
        attrs: dict[str, str | bool] = {
            "class": _classes(base, f"{base}--error" if errors else "", own_class, classes, count_class)
        }
        if described_by:
            attrs["aria-describedby"] = described_by
        context["control"] = _select_html(field, attrs) if _drawn_here(widget) else field.as_widget(attrs=attrs)
    elif kind == "checkbox":
        attrs = {"class": _classes("nhsuk-checkboxes__input", own_class, classes)}
        if described_by:
            attrs["aria-describedby"] = described_by
        context["control"] = field.as_widget(attrs=attrs)
    elif kind in {"radios", "checkboxes"}:
        context["choices"] = _choices(field)
    else:  # date
        context["date_parts"] = _date_parts(field, bool(errors), classes)
    return render_to_string(f"includes/fields/{kind}.html", context)


@register.inclusion_tag("includes/error_summary.html")
def nhsuk_error_summary(*forms_with_errors: forms.BaseForm | None) -> dict[str, list[tuple[str, str]]]:
    """Every error of the given forms, in field order, each linking to its field."""
    errors: list[tuple[str, str]] = []
    for form in forms_with_errors:
        if form is None or not form.errors:
            continue
        visible = form.visible_fields()
        # A form-wide error ("wrong username or password") links to the form's first field.
        first = f"#{field_anchor(visible[0])}" if visible else ""
        errors.extend((first, str(message)) for message in form.non_field_errors())
        for field in visible:
            errors.extend((f"#{field_anchor(field)}", str(message)) for message in field.errors)
    return {"errors": errors}


@register.simple_tag
def nhsuk_page_range(page_obj: Page[Any]) -> list[int | None]:
    """Page numbers around the current page, with None for each gap (shown as an ellipsis)."""
    # The range holds page numbers and, for each gap, the paginator's ELLIPSIS text.
    return [
        number if isinstance(number, int) else None
        for number in page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=1, on_ends=1)
    ]


@register.inclusion_tag("includes/header_nav_item.html", takes_context=True)
def header_nav_item(context: Context, href: str, text: str, count: int | str | None = None) -> dict[str, str | int]:
    """A header navigation link; ``count`` (e.g. unread alerts) shows as a badge when above 0."""
    request = context.get("request")
    path = request.path if request is not None else ""
    if href == "/":
        current = "page" if path == "/" else ""
    else:
        current = "page" if path == href else "true" if path.startswith(href) else ""
    return {"href": href, "text": text, "current": current, "count": int(count or 0)}
