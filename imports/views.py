"""Sources → Import: upload an export file, then watch it come in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from newsreader.http import HtmxHttpRequest
from newsreader.ratelimit import ratelimit

from .files import ImportFileError, check_size
from .forms import ImportForm
from .models import ImportJob
from .tasks import start_import

TEMPLATE = "imports/import.html"
JOB_TEMPLATE = "imports/job.html"
RECENT = 10


def _page(request: HtmxHttpRequest, form: ImportForm, status: int = 200) -> HttpResponse:
    assert request.user.is_authenticated
    jobs = ImportJob.objects.filter(user=request.user).defer("items")[:RECENT]
    return render(request, TEMPLATE, {"form": form, "jobs": jobs}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate="10/m", scope="import")
def import_page(request: HtmxHttpRequest) -> HttpResponseBase:
    if request.method == "GET":
        return _page(request, ImportForm())
    form = ImportForm()
    try:
        # Refused by its declared size before a byte of it is read.
        check_size(int(request.META.get("CONTENT_LENGTH") or 0) - 64 * 1024)
    except (ImportFileError, ValueError) as exc:
        form.errors["file"] = form.error_class([str(exc)])
        return _page(request, form, status=413)
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        name, raw = form.cleaned_data["file"]
        assert request.user.is_authenticated
        try:
            job = start_import(
                request.user, name, raw, keep_visibility=form.cleaned_data["keep_visibility"]
            )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect(job)
    return _page(request, form, status=400)


@login_required
@require_GET
def import_job(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    assert request.user.is_authenticated
    job = ImportJob.objects.filter(pk=job_id, user=request.user).defer("items").first()
    if job is None:
        raise Http404("No such import.")
    context = {"job": job, "poll_seconds": settings.IMPORT_POLL_SECONDS}
    if request.htmx:
        return render(request, f"{JOB_TEMPLATE}#progress", context)
    return render(request, JOB_TEMPLATE, context)
