"""The comments of ratings given before the feedback inbox existed. They are grouped into themes
by the first grouping run (`manage.py feedback_themes_regroup`, or the task when the next
comment arrives)."""

from django.db import migrations

SENTIMENT = {"not_good": -1, "okay": 0, "great": 1}
SCORE = {"not_good": 1, "okay": 2, "great": 3}


def backfill(apps, schema_editor):
    Rating = apps.get_model("feedback", "Rating")
    FeedbackComment = apps.get_model("feedback", "FeedbackComment")
    last = 0
    while True:
        batch = list(
            Rating.objects.exclude(comment="")
            .filter(pk__gt=last)
            .select_related("conversation")
            .order_by("pk")[:1000]
        )
        if not batch:
            return
        FeedbackComment.objects.bulk_create(
            [
                FeedbackComment(
                    source="csat",
                    source_id=rating.pk,
                    text=rating.comment.strip()[:5000],
                    sentiment=SENTIMENT[rating.score],
                    score=SCORE[rating.score],
                    customer_id=rating.customer_id,
                    conversation_id=rating.conversation_id,
                    inbox_id=rating.conversation.inbox_id,
                    agent_id=rating.agent_id,
                    created_at=rating.created_at,
                )
                for rating in batch
                if rating.comment.strip()
            ],
            ignore_conflicts=True,
        )
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0005_feedback_comments_themes"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
