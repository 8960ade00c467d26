from typing import Any

from django.core.management.base import BaseCommand

from newsreader.stale_tasks import recover_stale_tasks


class Command(BaseCommand):
    help = (
        "Put tasks whose worker died (RUNNING longer than TASK_STALE_AFTER) back in the "
        "queue, or fail them after TASK_MAX_ATTEMPTS. The feed scheduler does this too."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        recovered = recover_stale_tasks()
        self.stdout.write(
            f"Retried {recovered.retried} and failed {recovered.failed} task(s) whose worker died."
        )
