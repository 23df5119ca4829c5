import json
from typing import get_args

from carefront.api.schemas import FolderName, PriorityName, ScoreName, SortName, StatusName
from carefront.conversations.models import PRIORITY_BY_NAME, Status
from carefront.conversations.selectors import Folder, Sort
from carefront.feedback.models import Score


def test_schema_choices_match_the_domain():
    assert set(get_args(StatusName)) == set(Status.values)
    assert set(get_args(FolderName)) == set(Folder.choices)
    assert set(get_args(SortName)) == set(Sort.choices)
    assert set(get_args(ScoreName)) == set(Score.values)
    assert set(get_args(PriorityName)) == set(PRIORITY_BY_NAME)


def test_the_openapi_document_has_no_duplicate_keys(client):
    """Swagger UI refuses a document with a key twice (ninja keys statuses by int, JSON by str)."""
    response = client.get("/api/v1/openapi.json")

    def refuse_duplicates(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), keys
        return dict(pairs)

    document = json.loads(response.content, object_pairs_hook=refuse_duplicates)
    create = document["paths"]["/api/v1/conversations"]["post"]["responses"]
    assert {"201", "401", "413", "422", "429"} <= set(create)
    assert "Retry-After" in create["429"]["headers"]
