"""Re-render every stored comment and reply from its Markdown source with the CommonMark
renderer (markdown-it-py) that replaced Python-Markdown (issue 13: Python-Markdown took
seconds of CPU on nested brackets). The source is kept as written, so links and lists read
as before; only the HTML beside it is rebuilt, and a row whose HTML is already what the new
renderer gives is not written."""

from django.db import migrations

BATCH = 500


def rerender(apps, schema_editor):
    from newsreader.sanitizer import render_comment

    for model, source, html in (
        ("Annotation", "comment", "comment_html"),
        ("Reply", "body", "body_html"),
    ):
        Model = apps.get_model("annotations", model)
        changed = []
        for pk, text, old in Model.objects.values_list("pk", source, html).iterator(BATCH):
            new = render_comment(text)
            if new != old:
                changed.append(Model(pk=pk, **{html: new}))
            if len(changed) >= BATCH:
                Model.objects.bulk_update(changed, [html])
                changed = []
        Model.objects.bulk_update(changed, [html])


class Migration(migrations.Migration):
    dependencies = [("annotations", "0005_idempotency_keys")]

    operations = [migrations.RunPython(rerender, migrations.RunPython.noop, elidable=True)]
