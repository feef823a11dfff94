"""Every change made in the admin is appended to the audit log, in the transaction that makes it.

Django's own admin log (``LogEntry``) is an ordinary table any administrator with the right
permission can edit, and it keeps ``str(obj)`` (for an API token: the key itself). Roles,
team memberships, "also works clinically", clock policies, tokens and authenticator apps decide
who reads which record and when a clock breaches, so each change to them is written to the
append-only ``AuditEvent`` table too, with who, when, from where, and what changed from what
(issue 10, item 5).

``AuditedAdminMixin`` goes before ``admin.ModelAdmin`` (or a subclass of it) in a ModelAdmin's
bases. The admin's change and delete views already run in a transaction; the bulk delete
action does not, so each override opens one (a savepoint inside the view's).
"""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import User
from .request_ip import client_ip
from .services import audit_record

# Form fields whose values never go into the audit log, only the fact that they changed.
SECRET_FIELDS = frozenset({"password", "password1", "password2", "key", "code_hash", "token"})


def plain(value: object) -> object:
    """A form value as JSON the audit log can keep: rows by id and name, lists of rows by id."""
    if isinstance(value, models.Model):
        return {"id": value.pk, "name": str(value)}
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(plain(v) if not isinstance(v, models.Model) else v.pk for v in value)  # type: ignore[type-var]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class AuditedAdminMixin:
    """Audits adds, changes and deletions made through one ModelAdmin, and those of its inlines."""

    # Per kind of change ("add", "change", "delete"), the action's last word: "admin.<word>".
    audit_actions: dict[str, str] = {}

    # --- what is recorded ------------------------------------------------------------------

    def audit_repr(self, obj: models.Model) -> str:
        """How the row is named in the audit log (never a secret: see TokenAdmin)."""
        return str(obj)[:200]

    def audit_target(self, obj: models.Model) -> tuple[str, str]:
        return obj._meta.label_lower, str(obj.pk)

    def _audit(self, request: HttpRequest, kind: str, obj: models.Model, detail: dict[str, Any]) -> None:
        object_type, object_id = self.audit_target(obj)
        user = request.user
        actor = user if isinstance(user, User) else None
        if isinstance(obj, User) and actor is not None and obj.pk == actor.pk:
            detail = {**detail, "own_account": True}
        audit_record(
            by=actor,
            action=f"admin.{self.audit_actions.get(kind, kind)}",
            obj=None,
            object_type=object_type,
            object_id=object_id,
            now=timezone.now(),
            source_ip=client_ip(request),
            detail={"record": self.audit_repr(obj), **detail},
        )

    @staticmethod
    def _before(obj: models.Model, names: Iterable[str]) -> dict[str, object]:
        """The stored values of these fields, read before the form's are saved over them."""
        stored = type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk is not None else None
        if stored is None:
            return {}
        before: dict[str, object] = {}
        for name in names:
            try:
                field = obj._meta.get_field(name)
            except FieldDoesNotExist:  # a form-only field (a password's confirmation)
                continue
            if field.many_to_many:
                before[name] = sorted(getattr(stored, name).values_list("pk", flat=True))
            elif field.concrete:
                before[name] = plain(getattr(stored, name))
        return before

    @staticmethod
    def _changes(form: forms.BaseForm, before: dict[str, object], *, adding: bool) -> dict[str, object]:
        changes: dict[str, object] = {}
        for name in form.changed_data:
            if name in SECRET_FIELDS:
                changes[name] = "set" if adding else "changed"  # never the value
                continue
            after = plain(form.cleaned_data.get(name))
            changes[name] = {"to": after} if adding else {"from": before.get(name), "to": after}
        return changes

    # --- the ModelAdmin hooks ----------------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: models.Model, form: forms.ModelForm, change: bool) -> None:
        with transaction.atomic():
            before = self._before(obj, form.changed_data) if change else {}
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            self._audit(
                request,
                "change" if change else "add",
                obj,
                {"changes": self._changes(form, before, adding=not change)},
            )

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: forms.BaseModelFormSet, change: bool
    ) -> None:
        """The inlines (team memberships, a policy's response targets): each row added, changed
        or deleted is its own audit row, naming the record it belongs to."""
        parent = {"parent": f"{form.instance._meta.label_lower}#{form.instance.pk}"}
        deleted = [(f.instance, self.audit_repr(f.instance)) for f in formset.deleted_forms if f.instance.pk]
        deleted_targets = [(self.audit_target(obj), name) for obj, name in deleted]
        before = {
            f.instance.pk: self._before(f.instance, f.changed_data)
            for f in formset.initial_forms
            if f.instance.pk and f.has_changed()
        }
        with transaction.atomic():
            super().save_formset(request, form, formset, change)  # type: ignore[misc]
            forms_by_instance = {id(f.instance): f for f in formset.forms}
            for obj in formset.new_objects:
                row_form = forms_by_instance.get(id(obj))
                changes = self._changes(row_form, {}, adding=True) if row_form is not None else {}
                self._audit(request, "add", obj, {**parent, "changes": changes})
            for obj, _changed in formset.changed_objects:
                row_form = forms_by_instance.get(id(obj))
                changes = self._changes(row_form, before.get(obj.pk, {}), adding=False) if row_form is not None else {}
                self._audit(request, "change", obj, {**parent, "changes": changes})
            for (object_type, object_id), name in deleted_targets:
                audit_record(
                    by=request.user if isinstance(request.user, User) else None,
                    action=f"admin.{self.audit_actions.get('delete', 'delete')}",
                    obj=None,
                    object_type=object_type,
                    object_id=object_id,
                    now=timezone.now(),
                    source_ip=client_ip(request),
                    detail={"record": name, **parent},
                )

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        with transaction.atomic():
            self._audit(request, "delete", obj, {})  # before: afterwards the row has no id
            super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        """The list's "delete selected" action: not in a transaction of Django's, so in ours."""
        with transaction.atomic():
            for obj in queryset:
                self._audit(request, "delete", obj, {})
            super().delete_queryset(request, queryset)  # type: ignore[misc]
