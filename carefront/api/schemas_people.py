"""Request and response shapes of training, kudos and the pulse (docs/quality.md). Pulse
results are aggregates only: no shape here can carry a single answer."""

import datetime as dt

from ninja import Field, Schema

from .schemas import Id, PageIn, Ref, Since


class TrainingItemOut(Schema):
    id: int
    title: str
    url: str
    notes: str
    due_at: dt.datetime
    overdue: bool
    created_at: dt.datetime
    teams: list[Ref]


class TrainingAssignmentOut(Schema):
    item: TrainingItemOut
    acknowledged_at: dt.datetime | None


class MyTrainingOut(Schema):
    open: list[TrainingAssignmentOut]
    done: list[TrainingAssignmentOut]


class TrainingSummaryOut(TrainingItemOut):
    acknowledged: int
    not_acknowledged: int


class TrainingPage(Schema):
    items: list[TrainingSummaryOut]
    next_cursor: str | None


class TrainingMemberOut(Schema):
    agent: Ref
    acknowledged_at: dt.datetime | None
    overdue: bool


class TrainingStatusOut(Schema):
    item: TrainingItemOut
    members: list[TrainingMemberOut]


class TrainingIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    url: str = Field(
        ..., min_length=1, max_length=1000, description="https://… or a path on this site (/…)."
    )
    notes: str = Field("", max_length=4000)
    due_at: Since
    team_ids: list[Id] = Field(..., min_length=1, max_length=100)


class KudosIn(Schema):
    receiver_id: Id
    message: str = Field(..., min_length=1, max_length=1000)
    conversation_id: Id | None = None


class KudosOut(Schema):
    id: int
    giver: Ref
    receiver: Ref
    message: str
    conversation_id: int | None
    created_at: dt.datetime


class KudosPage(Schema):
    items: list[KudosOut]
    next_cursor: str | None


class KudosFilterIn(PageIn):
    receiver_id: Id | None = None
    team_id: Id | None = None


class PulseAnswerIn(Schema):
    feeling: int = Field(..., ge=1, le=5)
    workload: int = Field(..., ge=1, le=5)
    support: int = Field(..., ge=1, le=5)
    enps: int = Field(..., ge=0, le=10)
    comment: str = Field("", max_length=2000)
    team_id: Id | None = Field(None, description="Needed only when you are in several teams.")


class PulseStatusOut(Schema):
    round_starts_on: dt.date
    round_ends_on: dt.date
    answered: bool


class PulseResultOut(Schema):
    round_starts_on: dt.date
    round_ends_on: dt.date
    answers: int
    shown: bool = Field(..., description="False below 5 answers: then every figure is null.")
    feeling: float | None
    workload: float | None
    support: float | None
    enps: int | None
    comments: list[str]
    csat_great_percent: float | None
    ratings: int


class PulseResultsOut(Schema):
    team: Ref
    min_group: int
    rounds: list[PulseResultOut]
