"""Static files as a deployment serves them: hashed names, gzip and brotli copies
(WhiteNoise compresses at collectstatic; the brotli package enables the .br copies)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Module imports are rewritten to the hashed names too (`import("./share.js")` in
    annotate.js): a module loaded on demand is then cached as immutable like the rest,
    and a new version of it can never meet an old importer."""

    support_js_module_import_aggregation = True
