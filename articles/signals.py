from django.dispatch import Signal

# Sent inside the transaction that stores a new revision of an existing story, so that
# whatever depends on the text (annotation anchors, the search index) moves with it
# atomically. Arguments: story, revision, previous (the revision it replaces).
revision_added = Signal()
