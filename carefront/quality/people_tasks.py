"""Background work of training, recognition and wellbeing. Tasks are thin: they call a
service. (A module of its own so that the other parts of the quality app keep `tasks.py`.)"""

from django.tasks import task

from .services.pulse import pulse_round_announce
from .services.recognition_digest import recognition_digest_send, recognition_digests_schedule
from .services.training import training_remind


@task()
def training_remind_task(item_id: int) -> int:
    return training_remind(item_id=item_id)


@task()
def recognition_digest_send_task(digest_id: int) -> str:
    result = recognition_digest_send(digest_id=digest_id)
    # The next week's emails, now that this one is done (the recovery hook does it too).
    recognition_digests_schedule()
    return result


@task()
def pulse_round_announce_task() -> int:
    return pulse_round_announce()
