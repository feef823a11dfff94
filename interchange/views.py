"""The MHSDS extract pages: ask for a month, watch it build (htmx polls the progress), download
the zip or its validation report. Service managers and IG leads only; anyone else gets a 404."""

import zipfile
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHtmxRequest

from .forms import ExtractRequestForm
from .mhsds.validation import CHECK
from .mhsds.writer import VALIDATION_MEMBER
from .models import ExtractRun
from .selectors import (
    NoProviderCode,
    can_make_extracts,
    extract_run_get_for_user,
    extract_runs_visible_to,
    provider_org_code,
)
from .services import extract_run_download, extract_run_request
from .tasks import build_mhsds_extract

_P = ParamSpec("_P")
_View = Callable[Concatenate[AuthenticatedHtmxRequest, _P], HttpResponseBase]


def extract_role_required(view: _View[_P]) -> _View[_P]:
    @login_required
    @wraps(view)
    def wrapped(request: AuthenticatedHtmxRequest, /, *args: _P.args, **kwargs: _P.kwargs) -> HttpResponseBase:
        if not can_make_extracts(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapped


@extract_role_required
@require_http_methods(["GET", "POST"])
def extract_index(request: AuthenticatedHtmxRequest) -> HttpResponse:
    form = ExtractRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org_code = provider_org_code(request.user)
        except NoProviderCode as exc:
            form.add_error(None, str(exc))
        else:
            run = extract_run_request(
                period=form.cleaned_data["period"], org_code=org_code, by=request.user, now=timezone.now()
            )
            build_mhsds_extract.delay(run.pk)
            return redirect("interchange:mhsds_run", run_id=run.pk)
    return render(
        request, "interchange/mhsds/index.html", {"form": form, "runs": extract_runs_visible_to(request.user)}
    )


@extract_role_required
@require_GET
def extract_run_detail(request: AuthenticatedHtmxRequest, run_id: int) -> HttpResponse:
    run = extract_run_get_for_user(request.user, run_id)
    issues = [(CHECK[key], count) for key, count in run.issues.items() if key in CHECK]
    sample = [(CHECK[item["check"]], item["record"]) for item in run.sample if item.get("check") in CHECK]
    context = {"run": run, "issues": issues, "sample": sample}
    if request.htmx:
        return render(request, "interchange/mhsds/_progress.html", context)
    return render(request, "interchange/mhsds/run.html", context)


def _ready_file(run: ExtractRun) -> Path:
    path = Path(run.file_path)
    if run.status != ExtractRun.Status.DONE or not path.is_file():
        raise Http404("This extract has no file to download.")
    return path


@extract_role_required
@require_GET
def extract_run_zip(request: AuthenticatedHtmxRequest, run_id: int) -> FileResponse:
    run = extract_run_get_for_user(request.user, run_id)
    path = _ready_file(run)
    extract_run_download(run=run, by=request.user, now=timezone.now())
    return FileResponse(path.open("rb"), as_attachment=True, filename=run.file_name, content_type="application/zip")


@extract_role_required
@require_GET
def extract_run_validation(request: AuthenticatedHtmxRequest, run_id: int) -> StreamingHttpResponse:
    run = extract_run_get_for_user(request.user, run_id)
    path = _ready_file(run)
    extract_run_download(run=run, by=request.user, now=timezone.now(), what="validation")

    def chunks() -> Iterator[bytes]:
        yield "\ufeff".encode()  # a byte-order mark, as every CSV the service offers
        with zipfile.ZipFile(path) as archive, archive.open(VALIDATION_MEMBER) as member:
            while chunk := member.read(1 << 16):
                yield chunk

    response = StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{run.file_name.removesuffix(".zip")}_validation.csv"'
    return response
