"""Read-side queries of the quality app."""

from .behaviours import ReplyMark


def reply_marks_for_conversation(conversation_id: int) -> dict[int, list[ReplyMark]]:
    """The auto-QA marks of every checked agent reply in a conversation, by message id.

    Contract for the review scorecards (prefill); the auto-QA part implements it.
    """
    return {}
