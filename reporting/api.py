"""The national measures over the API (docs/measures.md): what each measure is, its figures for a
period, and its per-record rows. Views only adapt HTTP; ``reporting.measures`` does the counting.

Everyone signed in sees the figures (reporting/access.py: aggregates are for everyone), with small
numbers suppressed exactly as the dashboard shows them (``reporting.suppression``): a count from 1
to 7, and a rate worked out from one, is null and named in ``suppressed``. The rows show only
referrals the user may open (``access.selectors.referral_ids_visible_among``), by id, never by name; a
spell's row only when the user may open every referral in it.

The local promise (``local_response_24h``) is served beside the national measures, marked
``"scope": "local"``.
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated, NotFound, ValidationError
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.selectors import referral_ids_visible_among
from accounts.models import User
from accounts.reads import EXPORT, LIST, seen
from common.csv import csv_response
from common.london import london

from .measures import BadPeriod, Measure, MeasurePeriod, MeasureResult, MeasureRow
from .national import ALL_MEASURES, is_local, suppressed_figures

_PERIOD = OpenApiParameter(
    "period",
    required=True,
    description="YYYY-MM (UK calendar month); for referral_spell also YYYY-Qn (calendar quarter), "
    "otherwise the quarter ending with the month.",
)
_FORMAT = OpenApiParameter("format", enum=["json", "csv"], description="csv: the rows as a spreadsheet download.")
_BAD_PERIOD = OpenApiResponse(description="The period is missing or not one this measure is counted over.")
_NO_MEASURE = OpenApiResponse(description="No measure with this code.")


class MeasureOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    scope = serializers.ChoiceField(
        choices=["national", "local"], help_text="national: NHS England's; local: our own promise, not published."
    )
    nhs_england_ids = serializers.ListField(child=serializers.CharField())
    definition = serializers.CharField()
    citation = serializers.CharField(
        help_text="NHS England's published code the measure follows, file and lines; for a local measure, its source."
    )
    period = serializers.CharField(help_text="month, or quarter (the three months ending with the one chosen).")
    unit = serializers.CharField(help_text="minutes or days")


class MeasureFiguresOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    period = serializers.CharField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    numerator = serializers.IntegerField(allow_null=True, help_text="null when suppressed (1 to 7).")
    denominator = serializers.IntegerField(allow_null=True, help_text="null when suppressed (1 to 7).")
    rate = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        allow_null=True,
        help_text="Percent; null when nothing was counted, or when suppressed (see suppressed).",
    )
    still_waiting = serializers.IntegerField(allow_null=True, help_text="null when suppressed (1 to 7).")
    still_waiting_bands = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    suppressed = serializers.ListField(
        child=serializers.CharField(),
        help_text="The figures withheld as small numbers (a count from 1 to 7, or a rate worked out from one), "
        "as on the dashboard; a band as still_waiting_bands.<band>.",
    )


class MeasureRowOutputSerializer(serializers.Serializer):
    referral_ids = serializers.ListField(child=serializers.IntegerField())
    in_scope = serializers.BooleanField()
    excluded_because = serializers.CharField()
    clock_start = serializers.CharField(allow_null=True, help_text="ISO date, or date and time (UTC).")
    clock_stop = serializers.CharField(allow_null=True, help_text="ISO date, or date and time (UTC).")
    stopped_by = serializers.CharField()
    days = serializers.IntegerField(allow_null=True)
    minutes = serializers.IntegerField(allow_null=True)
    met = serializers.BooleanField(allow_null=True)
    still_waiting = serializers.BooleanField()
    waiting_band = serializers.CharField()


class MeasureCsvRenderer(BaseRenderer):
    """Lets ``?format=csv`` through content negotiation; the view writes the file itself."""

    media_type = "text/csv"
    format = "csv"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return b""  # never used: a CSV request gets csv_response's HttpResponse


def _signed_in(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


def _measure(code: str) -> Measure:
    measure = ALL_MEASURES.get(code)
    if measure is None:
        raise NotFound(f"There is no measure {code!r}: choose one of {', '.join(ALL_MEASURES)}.")
    return measure


def _period(measure: Measure, request: Request) -> MeasurePeriod:
    try:
        return measure.period(request.query_params.get("period", ""))
    except BadPeriod as exc:
        raise ValidationError({"period": [str(exc)]}) from exc


def _measure_data(measure: Measure) -> dict[str, object]:
    return {
        "code": measure.code,
        "name": measure.name,
        "scope": "local" if is_local(measure) else "national",
        "nhs_england_ids": list(measure.nhs_england_ids),
        "definition": measure.definition,
        "citation": measure.source,
        "period": "quarter" if measure.quarterly else "month",
        "unit": measure.unit,
    }


def _when(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def _row_data(row: MeasureRow) -> dict[str, object]:
    return {
        "referral_ids": list(row.referral_ids),
        "in_scope": row.in_scope,
        "excluded_because": row.excluded_because,
        "clock_start": _when(row.clock_start),
        "clock_stop": _when(row.clock_stop),
        "stopped_by": row.stopped_by,
        "days": row.days,
        "minutes": row.minutes,
        "met": row.met,
        "still_waiting": row.still_waiting,
        "waiting_band": row.waiting_band,
    }


def _visible_rows(user: User, result: MeasureResult) -> list[MeasureRow]:
    """The rows whose every referral the user may open (one query)."""
    visible = referral_ids_visible_among(user, {pk for row in result.rows for pk in row.referral_ids})
    return [row for row in result.rows if set(row.referral_ids) <= visible]


class MeasureListApi(APIView):
    @extend_schema(
        operation_id="measures_list",
        summary="The national measures, and the local promise: code, name, NHS England ids, definition and source",
        responses={200: MeasureOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        _signed_in(request)
        return Response(MeasureOutputSerializer([_measure_data(m) for m in ALL_MEASURES.values()], many=True).data)


class MeasureFiguresApi(APIView):
    @extend_schema(
        operation_id="measures_retrieve",
        summary="A measure's numerator, denominator, rate and still waiting for a period, small numbers suppressed",
        parameters=[_PERIOD],
        responses={200: MeasureFiguresOutputSerializer, 400: _BAD_PERIOD, 404: _NO_MEASURE},
    )
    def get(self, request: Request, code: str) -> Response:
        _signed_in(request)
        measure = _measure(code)
        period = _period(measure, request)
        result = measure.figures(period)
        figures = suppressed_figures(result)
        data = {
            "code": measure.code,
            "period": period.label,
            "first_day": period.first_day,
            "last_day": period.last_day,
            "numerator": figures.numerator.value,
            "denominator": figures.denominator.value,
            "rate": None if figures.rate.suppressed else result.rate,
            "still_waiting": figures.still_waiting.value,
            "still_waiting_bands": {band: cell.value for band, cell in figures.bands.items()},
            "suppressed": figures.withheld(),
        }
        return Response(MeasureFiguresOutputSerializer(data).data)


class MeasureRecordsApi(APIView):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, MeasureCsvRenderer]

    @extend_schema(
        operation_id="measures_records",
        summary="One row per referral (or spell) the measure looked at, for referrals you may open",
        parameters=[_PERIOD, _FORMAT],
        responses={200: MeasureRowOutputSerializer(many=True), 400: _BAD_PERIOD, 404: _NO_MEASURE},
    )
    def get(self, request: Request, code: str) -> Response | HttpResponse:
        user = _signed_in(request)
        measure = _measure(code)
        period = _period(measure, request)
        rows = _visible_rows(user, measure.compute(period))
        people = [row.person_id for row in rows]
        if request.accepted_renderer.format == "csv":
            seen(request, EXPORT, people, what=f"reporting.measure.{measure.code}")
            return _csv(measure, period, rows)
        seen(request, LIST, people, what=f"reporting.measure.{measure.code}")
        return Response(MeasureRowOutputSerializer([_row_data(row) for row in rows], many=True).data)


CSV_HEADER = (
    "Referral ids",
    "In scope",
    "Excluded because",
    "Clock start (UK)",
    "Clock stop (UK)",
    "Stopped by",
    "Days",
    "Minutes",
    "Met",
    "Still waiting",
    "Waiting band",
)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _csv(measure: Measure, period: MeasurePeriod, rows: list[MeasureRow]) -> HttpResponse:
    return csv_response(
        filename=f"{measure.code}-{period.label.replace(' ', '')}.csv",
        header=CSV_HEADER,
        rows=(
            (
                " ".join(str(pk) for pk in row.referral_ids),
                _yes_no(row.in_scope),
                row.excluded_because,
                london(row.clock_start),
                london(row.clock_stop),
                row.stopped_by,
                "" if row.days is None else row.days,
                "" if row.minutes is None else row.minutes,
                _yes_no(row.met),
                _yes_no(row.still_waiting),
                row.waiting_band,
            )
            for row in rows
        ),
    )
