from django.urls import path

from . import export, views, views_save

urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("import/<int:job_id>/", views.import_job, name="import_job"),
    path("import/library.csv", export.export_library, name="export_library"),
]

urlpatterns += [
    path("save/", views_save.save_anywhere, name="save_anywhere"),
    path("save/key/", views_save.save_key_rotate, name="save_key_rotate"),
    path("save/window/", views_save.save_window, name="save_window"),
    path("save/page/", views_save.save, name="save_page"),
    path("share/", views_save.share_target, name="share_target"),
    path("manifest.webmanifest", views_save.manifest, name="manifest"),
]
