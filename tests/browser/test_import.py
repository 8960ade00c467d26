"""The import page's progress bar, polled by htmx while the worker goes through the file."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from imports.models import ImportJob
from imports.tasks import create_job, run_job
from tests.importsite import fixture, serve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_progress_bar_follows_the_worker_until_the_report(page, local_server, settings):
    from tests.browser.test_feeds import sign_in

    settings.FETCH_ALLOWED_HOSTS = [f"127.0.0.1:{local_server.port}"]
    serve(local_server)
    user = sign_in(page)
    job = create_job(user, "pocket.csv", fixture("pocket.csv", local_server))
    page.goto(job.get_absolute_url())
    bar = page.locator("#import-bar")
    expect(bar).to_have_attribute("value", "0")
    expect(page.locator("#progress-title")).to_have_text("Waiting for the worker…")
    # The worker takes one item: the bar moves without a reload.
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url))
    ImportJob.objects.filter(pk=job.pk).update(status="running", done=1)
    expect(bar).to_have_attribute("value", "1", timeout=10_000)
    expect(page.locator("#import-count")).to_have_text("1 of 3 items (33%)")
    assert polls and all(url.endswith(job.get_absolute_url()) for url in polls)
    ImportJob.objects.filter(pk=job.pk).update(status="queued", done=0)
    run_job(ImportJob.objects.get(pk=job.pk))
    expect(page.locator("#progress-title")).to_have_text("Done", timeout=10_000)
    expect(page.locator('[data-count="stories"]')).to_have_text("3")
    expect(page.get_by_role("link", name="A page that is gone")).to_be_visible()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.wait_for_timeout(2_500)
    assert asked == []  # done: the polling stopped


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_import_and_save_pages_pass_axe(
    page, live_server, local_server, settings, screenshot_dir, scheme
):
    from django.contrib.auth.models import User

    from tests.browser.test_axe import check, login

    settings.FETCH_ALLOWED_HOSTS = [f"127.0.0.1:{local_server.port}"]
    serve(local_server)
    user = User.objects.create_user("axe", password="pw")
    done = run_job(create_job(user, "pocket.csv", fixture("pocket.csv", local_server)))
    running = create_job(user, "pocket.csv", fixture("pocket.csv", local_server))
    login(page, live_server, user)
    page.emulate_media(color_scheme=scheme)
    for name, path in [
        ("import", "/import/"),
        ("import-done", done.get_absolute_url()),
        ("import-running", running.get_absolute_url()),
        ("save", "/save/"),
        ("save-window", "/save/window/?url=https%3A%2F%2Fexample.com%2Fa&selection=words"),
        ("share", "/share/?text=words%20https%3A%2F%2Fexample.com%2Fa"),
    ]:
        page.goto(path)
        check(page, f"{name}-{scheme}", screenshot_dir)
