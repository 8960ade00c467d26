from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from search import engine as search


class Command(BaseCommand):
    help = "Rewrite the full-text search index of all stories and annotations."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            search.rebuild()
        self.stdout.write("Search index rebuilt.")
