import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from carefront.core.generations import Generation
from tests.support.redis import redis_cache_setting


def _name() -> str:
    return f"test-{uuid.uuid4().hex}"


def test_a_bump_moves_the_keys_on():
    generation = Generation(_name())
    before = generation.key("teams")
    assert generation.key("teams") == before
    generation.bump()
    assert generation.key("teams") != before


def test_without_a_shared_cache_another_process_sees_the_bump():
    """The in-memory cache is per process: the number must come from the shared file."""
    generation = Generation(_name())
    before = generation.current()
    code = (
        "import django; django.setup(); "
        "from carefront.core.generations import Generation; "
        f"Generation({generation.name!r}).bump()"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CAREFRONT_GENERATIONS_DIR": str(settings.CAREFRONT_GENERATIONS_DIR),
    }
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert generation.current() > before


@pytest.mark.django_db(transaction=True)
def test_changed_moves_on_now_and_again_after_commit():
    generation = Generation(_name())
    seen = [generation.current()]
    with transaction.atomic():
        generation.changed()
        seen.append(generation.current())
    seen.append(generation.current())
    assert seen[0] < seen[1] < seen[2]


@pytest.mark.django_db(transaction=True)
def test_many_changes_in_one_transaction_move_on_once_after_commit(monkeypatch):
    generation = Generation(_name())
    bumps = []
    monkeypatch.setattr(generation, "bump", lambda: bumps.append(1))
    with transaction.atomic():
        for _ in range(200):
            generation.bump_after_commit()
        assert bumps == []
    assert bumps == [1]
    with transaction.atomic():
        generation.bump_after_commit()
    assert bumps == [1, 1]  # the next transaction moves it on again


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_does_not_swallow_the_move(monkeypatch):
    generation = Generation(_name())
    bumps = []
    monkeypatch.setattr(generation, "bump", lambda: bumps.append(1))
    with transaction.atomic():
        try:
            with transaction.atomic():
                generation.bump_after_commit()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        generation.bump_after_commit()
    assert bumps == [1]


def test_with_a_shared_cache_the_number_lives_there():
    cache = redis_cache_setting()
    generation = Generation(_name())
    with override_settings(CACHES={"default": cache}):
        before = generation.key("x")
        generation.bump()
        after = generation.key("x")
        from django.core.cache import cache as redis_cache

        assert redis_cache.get(f"generation:{generation.name}") == int(after.split(":")[1])
    assert after != before
    assert not (settings.CAREFRONT_GENERATIONS_DIR / generation.name).exists()


def test_the_check_reports_a_folder_that_cannot_be_written(tmp_path):
    from carefront.core.generations import check_generations_dir

    assert check_generations_dir() == []
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with override_settings(CAREFRONT_GENERATIONS_DIR=blocked / "generations"):
        [error] = check_generations_dir()
    assert error.id == "carefront.E001"
