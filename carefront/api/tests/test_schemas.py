from typing import get_args

from carefront.api.schemas import FolderName, SortName, StatusName
from carefront.conversations.models import Status
from carefront.conversations.selectors import Folder, Sort


def test_schema_choices_match_the_domain():
    assert set(get_args(StatusName)) == set(Status.values)
    assert set(get_args(FolderName)) == set(Folder.choices)
    assert set(get_args(SortName)) == set(Sort.choices)
