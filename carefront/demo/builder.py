"""Build a realistic, deterministic demo help desk through the same services production uses.

Customers' messages enter through `message_receive` (as an email adapter would hand them over),
agents act through `conversation_reply`, `conversation_add_note`, `conversation_assign`,
`conversation_set_status`, `conversation_set_priority` and `conversation_set_tags`. Only
accounts, teams and customer preferences are written directly.
"""

import datetime as dt
import random
import struct
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import format_datetime
from unittest import mock

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.html import escape

from carefront.accounts.models import Agent, Role, Team
from carefront.automation.models import SavedReply
from carefront.automation.services import saved_reply_create, saved_reply_render
from carefront.conversations.inbound import InboundAttachment, InboundMessage
from carefront.conversations.models import Conversation, Message, Status
from carefront.conversations.services import (
    conversation_add_note,
    conversation_assign,
    conversation_reply,
    conversation_set_priority,
    conversation_set_status,
    conversation_set_tags,
    conversation_snooze,
    message_receive,
)
from carefront.customers.models import Customer
from carefront.customers.services import customer_add_email, customer_get_or_create_by_email
from carefront.inboxes.models import Inbox
from carefront.inboxes.setup import inbox_create, inbox_update
from carefront.sla.services import business_calendar_create, followup_create

from . import content
from .feedback import feedback_build

ADMIN_EMAIL = "admin@carefront.test"
AGENT_EMAIL = "agent@carefront.test"
DEMO_PASSWORD = "carefront"  # noqa: S105 - the published demo login, printed by the command

# (email, name, role, time zone, teams, signature)
AGENTS = [
    (ADMIN_EMAIL, "Ada Admin", Role.ADMIN, "Europe/Berlin", [], ""),
    ("lina@carefront.test", "Lina Okafor", Role.LEAD, "Europe/London", ["Frontline"], ""),
    ("kenji@carefront.test", "Kenji Sato", Role.LEAD, "Asia/Tokyo", ["Partner Success"], ""),
    (
        AGENT_EMAIL,
        "Sam Rivera",
        Role.AGENT,
        "America/New_York",
        ["Frontline", "Billing"],
        "Sam Rivera\nCustomer Care, Carefront Shop",
    ),
    ("nora@carefront.test", "Nora Schmidt", Role.AGENT, "Europe/Berlin", ["Frontline"], ""),
    ("theo@carefront.test", "Théo Martin", Role.AGENT, "Europe/Paris", ["Frontline"], ""),
    ("priya@carefront.test", "Priya Nair", Role.AGENT, "Asia/Kolkata", ["Billing"], ""),
    (
        "lucas@carefront.test",
        "Lucas Souza",
        Role.AGENT,
        "America/Sao_Paulo",
        ["Partner Success"],
        "",
    ),
]
TEAMS = {
    "Frontline": "First answers for every customer question.",
    "Billing": "Payments, refunds and invoices.",
    "Partner Success": "Resellers, integrations and co-marketing.",
}
# (name, address, sender name, teams)
INBOXES = [
    ("Support", "support@carefront.test", "Carefront Support", ["Frontline"]),
    ("Billing", "billing@carefront.test", "Carefront Billing", ["Billing", "Frontline"]),
    ("Partners", "partners@carefront.test", "Carefront Partners", ["Partner Success"]),
]
HISTORY_DAYS = 60
# Final status of a conversation and how often it occurs.
STATUS_WEIGHTS = [(Status.OPEN, 30), (Status.PENDING, 20), (Status.SOLVED, 35), (Status.CLOSED, 15)]


@dataclass
class DemoSummary:
    agents: int = 0
    customers: int = 0
    conversations: int = 0
    messages: int = 0
    ratings: int = 0
    nps_answers: int = 0
    themes: int = 0
    seconds: float = 0.0
    logins: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class _Person:
    customer: Customer
    addresses: list[str]
    language: str


class _Clock:
    """Stands in for `django.utils.timezone.now` so that history gets its real dates.

    Services stamp rows with the current time; the demo replays 60 days of history in seconds,
    so it sets the time before each step. Never moves past the real time.
    """

    def __init__(self, real_now: dt.datetime) -> None:
        self.real_now = real_now
        self.current = real_now

    def set(self, when: dt.datetime) -> dt.datetime:
        self.current = min(when, self.real_now)
        return self.current

    @contextmanager
    def running(self) -> Iterator["_Clock"]:
        with mock.patch("django.utils.timezone.now", lambda: self.current):
            yield self


@contextmanager
def _harmless_delivery() -> Iterator[None]:
    """Deliver demo replies at once into a mail backend that sends nothing.

    The demo's customers do not exist: whatever MAILERS says (even a real relay), no demo reply
    leaves the machine. Replies still go through the outbox and end up "sent".
    """
    with override_settings(
        # Thousands of writes: no SQL logging (DEBUG keeps every query in memory).
        DEBUG=False,
        TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
        MAILERS={"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}},
    ):
        yield


def demo_data_needed() -> bool:
    """True when the database has no agents and no conversations yet."""
    return not Agent.objects.exists() and not Conversation.objects.exists()


def demo_data_build(
    *,
    conversations: int = 1000,
    seed: int = 1,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Fill an empty database with a demo help desk.

    Same seed and same `now` (default: the current time), same content; history ends at `now`.
    """
    started = time.monotonic()
    rng = random.Random(f"carefront-demo:{seed}")  # noqa: S311 - reproducible, not secret
    real_now = (now or timezone.now()).replace(microsecond=0)
    clock = _Clock(real_now)
    summary = DemoSummary()
    with _harmless_delivery(), clock.running():
        clock.set(real_now - dt.timedelta(days=HISTORY_DAYS + 5))
        agents, inboxes, team_of = _accounts()
        admin = agents[ADMIN_EMAIL]
        saved_replies = [
            saved_reply_create(actor=admin, title=title, body=body, language=language)
            for title, body, language in content.SAVED_REPLIES
        ]
        people = _customers(rng, count=max(10, conversations // 5))
        builder = _ConversationBuilder(
            rng=rng,
            clock=clock,
            seed=seed,
            agents=agents,
            inboxes=inboxes,
            team_of=team_of,
            saved_replies=saved_replies,
        )
        for index in range(conversations):
            # One transaction per conversation: SQLite then commits ~1,000 times, not ~10,000.
            # Outbox delivery runs on commit, when the clock is at the conversation's last step.
            with transaction.atomic():
                builder.build(index=index, person=rng.choice(people))
            if progress and (index + 1) % 100 == 0:
                progress(index + 1, conversations)
    _ask_for_ratings_from_now_on(admin, inboxes)
    with _harmless_delivery(), clock.running():
        feedback = feedback_build(
            rng=random.Random(f"carefront-demo-feedback:{seed}"),  # noqa: S311 - demo data
            clock=clock,
            admin=admin,
            inboxes=inboxes,
            history_days=HISTORY_DAYS,
        )
    _business_calendars(admin, inboxes)
    _snoozes_and_promises(agents[AGENT_EMAIL], real_now)
    summary.agents = len(agents)
    summary.customers = Customer.objects.count()
    summary.conversations = Conversation.objects.count()
    summary.messages = Message.objects.count()
    summary.ratings = feedback.ratings
    summary.nps_answers = feedback.nps_answers
    summary.themes = feedback.themes
    summary.seconds = time.monotonic() - started
    summary.logins = [
        (ADMIN_EMAIL, DEMO_PASSWORD, str(Role.ADMIN.label)),
        (AGENT_EMAIL, DEMO_PASSWORD, str(Role.AGENT.label)),
    ]
    return summary


def _snoozes_and_promises(agent: Agent, now: dt.datetime) -> None:
    """A few of the demo agent's open conversations set aside: two snoozed until tomorrow
    9:00, two with a follow-up promised for the coming days (docs/agent-guide.md)."""
    held = list(Conversation.objects.filter(status=Status.OPEN, assignee=agent).order_by("id")[:4])
    tomorrow = (now + dt.timedelta(days=1)).replace(hour=9, minute=0, second=0)
    for conversation in held[:2]:
        conversation_snooze(conversation=conversation, until=tomorrow, actor=agent, now=now)
    for days, conversation in enumerate(held[2:], start=2):
        followup_create(
            conversation=conversation,
            owner=agent,
            due_at=tomorrow + dt.timedelta(days=days - 1, hours=days),
            actor=agent,
            note="Waiting for the warehouse to confirm the new delivery date.",
            now=now,
        )


def _ask_for_ratings_from_now_on(admin: Agent, inboxes: dict[str, Inbox]) -> None:
    """Surveys and acknowledgements on, as in a new inbox: for conversations solved or started
    from now on, not the history."""
    for inbox in inboxes.values():
        inbox_update(
            actor=admin,
            inbox=inbox,
            name=inbox.name,
            email_address=inbox.email_address or "",
            from_name=inbox.from_name,
            teams=inbox.teams.all(),
            ask_for_rating=True,
            send_acknowledgement=True,
        )


def _business_calendars(admin: Agent, inboxes: dict[str, Inbox]) -> None:
    """Office hours for Support and Billing (Berlin, with a lunch break and Berlin's public
    holidays) and New York hours for the partner team, so "Outside business hours" shows."""
    office = [(9 * 60, 12 * 60 + 30), (13 * 60 + 30, 17 * 60 + 30)]
    business_calendar_create(
        actor=admin,
        name="Berlin office",
        time_zone="Europe/Berlin",
        hours=dict.fromkeys(range(5), office),
        holiday_country="DE",
        holiday_subdivision="BE",
        inboxes=[inboxes["Support"], inboxes["Billing"]],
    )
    business_calendar_create(
        actor=admin,
        name="New York partners desk",
        time_zone="America/New_York",
        hours={day: [(9 * 60, 17 * 60)] for day in range(5)},
        holiday_country="US",
        holiday_subdivision="NY",
        teams=[Team.objects.get(name="Partner Success")],
    )


@transaction.atomic
def _accounts() -> tuple[dict[str, Agent], dict[str, Inbox], dict[str, Team]]:
    teams = {name: Team.objects.create(name=name, description=d) for name, d in TEAMS.items()}
    # One hash for every demo agent: hashing is deliberately slow, and they share a password.
    password = make_password(DEMO_PASSWORD)
    agents = {}
    for email, name, role, tz, team_names, signature in AGENTS:
        agent = Agent.objects.create(
            email=email,
            name=name,
            role=role,
            time_zone=tz,
            signature=signature,
            password=password,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
            date_joined=timezone.now(),
        )
        agent.teams.set([teams[t] for t in team_names])
        agents[email] = agent
    admin = agents[ADMIN_EMAIL]
    inboxes, team_of = {}, {}
    for name, address, from_name, team_names in INBOXES:
        inboxes[name] = inbox_create(
            actor=admin,
            name=name,
            email_address=address,
            from_name=from_name,
            teams=[teams[t] for t in team_names],
            # Off while history is replayed: its resolutions are in the past, and a survey
            # scheduled for them would be mailed on the first `make run`. On at the end.
            # Acknowledgements likewise: the history's conversations are not new.
            ask_for_rating=False,
            send_acknowledgement=False,
        )
        team_of[name] = teams[team_names[0]]
    return agents, inboxes, team_of


def _weighted(rng: random.Random, pairs: list[tuple]) -> object:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


# Letters NFKD does not take apart into a base letter and an accent.
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ß": "ss", "æ": "ae", "đ": "d"})


def _ascii_fold(text: str) -> str:
    """ "Søren Åström" -> "Soren Astrom", as people spell their names in email addresses."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return decomposed.encode("ascii", "ignore").decode()


def _customers(rng: random.Random, *, count: int) -> list[_Person]:
    people = []
    for n in range(count):
        language = _weighted(rng, content.LANGUAGES)
        first, last = rng.choice(content.FIRST_NAMES), rng.choice(content.LAST_NAMES)
        local = "".join(
            c for c in _ascii_fold(f"{first}.{last}").lower() if c.isalnum() or c == "."
        )
        address = f"{local.strip('.') or 'customer'}{n}@{rng.choice(content.DOMAINS)}"
        customer, _created = customer_get_or_create_by_email(email=address, name=f"{first} {last}")
        addresses = [address]
        if rng.random() < 0.15:
            # Some people write from work and from home: two identities, one customer.
            second = f"{first[0].lower() if first[0].isascii() else 'c'}{n}.work@example.net"
            customer_add_email(customer=customer, email=second)
            addresses.append(second)
        Customer.objects.filter(pk=customer.pk).update(
            language=language, time_zone=rng.choice(content.TIME_ZONES[language])
        )
        people.append(_Person(customer=customer, addresses=addresses, language=language))
    return people


def tiny_png(rng: random.Random, size: int = 8) -> bytes:
    """A valid PNG of random colours: enough for an attachment preview."""
    rows = b"".join(
        b"\x00" + bytes(rng.randrange(256) for _ in range(size * 3)) for _ in range(size)
    )

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF showing `text` (ASCII)."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("ascii", "replace")
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
        b"4 0 obj<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\n"
        b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _attachment(rng: random.Random, order: str) -> InboundAttachment:
    kind = rng.choice(["png", "pdf", "csv"])
    if kind == "png":
        return InboundAttachment("photo.png", "image/png", tiny_png(rng))
    if kind == "pdf":
        return InboundAttachment("receipt.pdf", "application/pdf", tiny_pdf(f"Receipt {order}"))
    rows = "".join(
        f"{order},{rng.choice(content.PRODUCTS)},{rng.randrange(1, 4)},{rng.randrange(5, 300)}.00\n"
        for _ in range(rng.randrange(2, 8))
    )
    return InboundAttachment("orders.csv", "text/csv", f"order,item,qty,price\n{rows}".encode())


def _quote(text: str, attribution: str) -> str:
    quoted = "\n".join(f"> {line}" if line else ">" for line in text.strip().split("\n"))
    return f"{attribution}\n{quoted}"


class _ConversationBuilder:
    def __init__(
        self,
        *,
        rng: random.Random,
        clock: _Clock,
        seed: int,
        agents: dict[str, Agent],
        inboxes: dict[str, Inbox],
        team_of: dict[str, Team],
        saved_replies: list[SavedReply],
    ) -> None:
        self.rng = rng
        self.clock = clock
        self.seed = seed
        self.inboxes = inboxes
        self.team_of = team_of
        self.saved_replies = saved_replies
        self.leads = [a for a in agents.values() if a.role in {Role.LEAD, Role.ADMIN}]
        self.members = {
            name: [a for a in agents.values() if a.role == Role.AGENT and team in a.teams.all()]
            or self.leads
            for name, team in team_of.items()
        }

    def _fields(self, person: _Person) -> dict:
        rng = self.rng
        return {
            "order": str(rng.randrange(100000, 999999)),
            "product": rng.choice(content.PRODUCTS),
            "amount": f"{rng.randrange(9, 400)},{rng.randrange(0, 100):02d}",
            "day": rng.choice(content.DAYS),
            "tracking": f"{rng.choice(['JD', '1Z', 'ZX'])}{rng.randrange(10**9, 10**10)}",
            "carrier": rng.choice(content.CARRIERS),
            "invoice": str(rng.randrange(100000000, 999999999)),
            "first_name": person.customer.first_name,
        }

    def build(self, *, index: int, person: _Person) -> None:
        rng = self.rng
        status = _weighted(rng, STATUS_WEIGHTS)
        real_now = self.clock.real_now
        # Open work is recent; finished work spreads over the whole history.
        days_back = rng.uniform(0, 7) if status in {Status.OPEN, Status.PENDING} else None
        if days_back is None:
            days_back = rng.uniform(2, HISTORY_DAYS)
        when = real_now - dt.timedelta(days=days_back)

        language = person.language
        text = content.CONTENT[language]
        if rng.random() < 0.08:
            tag, subject_t, body_t = rng.choice(content.PARTNER_TOPICS)
            answer_t, inbox_name = content.PARTNER_ANSWER, "Partners"
            text = content.CONTENT["en"]
        else:
            tag, subject_t, body_t = rng.choice(text["topics"])
            answer_t, inbox_name = text["answers"][tag], content.TOPIC_INBOX.get(tag, "Support")
        inbox = self.inboxes[inbox_name]
        values = self._fields(person)
        subject = subject_t.format(**values)
        address = rng.choice(person.addresses)
        signoff = f"\n\n{person.customer.name}"
        body = body_t.format(**values) + signoff
        thread: list[str] = []  # Message-IDs so far, for References

        # 1. The customer writes.
        first_id = f"demo{self.seed}.{index}.0@{address.split('@')[1]}"
        self.clock.set(when)
        result = message_receive(
            inbox=inbox,
            inbound=InboundMessage(
                channel="email",
                from_address=address,
                from_name=person.customer.name,
                to=[inbox.email_address],
                subject=subject,
                message_id=first_id,
                body_text=body,
                body_html=self._html(body) if rng.random() < 0.2 else "",
                sent_at=when,
                attachments=[_attachment(rng, values["order"])] if rng.random() < 0.08 else [],
            ),
        )
        conversation = result.conversation
        thread.append(first_id)

        # 2. Triage: most conversations get a team, an owner and tags within the hour.
        assignee = None
        if status != Status.OPEN or rng.random() < 0.6:
            when = self.clock.set(when + dt.timedelta(minutes=rng.uniform(2, 90)))
            assignee = rng.choice(self.members[inbox_name])
            conversation_assign(
                conversation=conversation,
                assignee=assignee,
                actor=rng.choice(self.leads),
                team=self.team_of[inbox_name],
            )
        tags = [tag] + ([f"lang:{language}"] if language != "en" else [])
        if rng.random() < 0.1:
            tags.append(rng.choice(["vip", "urgent", "complaint"]))
        if status != Status.OPEN or rng.random() < 0.5:
            conversation_set_tags(
                conversation=conversation, names=tags, actor=assignee or self.leads[0]
            )
        # A priority for some, drawn from a generator of its own: the rest of the demo (and its
        # seed's outcomes) stays as it was.
        roll = random.Random(index * 7919 + 1).random()  # noqa: S311 - demo data, not secrets
        levels = [(0.04, "urgent"), (0.16, "high"), (0.22, "low")]
        priority = next((name for limit, name in levels if roll < limit), "")
        if priority:
            conversation_set_priority(
                conversation=conversation, priority=priority, actor=assignee or self.leads[0]
            )
        if rng.random() < 0.2:
            when = self.clock.set(when + dt.timedelta(minutes=rng.uniform(5, 240)))
            conversation_add_note(
                conversation=conversation,
                author=assignee or rng.choice(self.leads),
                body=rng.choice(content.NOTES),
            )
        if status == Status.OPEN and (assignee is None or rng.random() < 0.5):
            return  # waiting for a first answer

        # 3. Back and forth: answer, maybe a follow-up and another answer.
        author = assignee or rng.choice(self.leads)
        rounds = 1 + (rng.random() < 0.35) + (rng.random() < 0.1)
        last_reply = ""
        for round_no in range(rounds):
            when = when + dt.timedelta(minutes=rng.uniform(10, 18 * 60))
            if when >= real_now:
                return
            self.clock.set(when)
            # As an agent would: only a saved reply in the customer's language.
            fitting = [s for s in self.saved_replies if s.language == person.language]
            if round_no == 0 and rng.random() < 0.2 and fitting:
                reply_body = saved_reply_render(
                    saved_reply=rng.choice(fitting),
                    conversation=conversation,
                    agent=author,
                )
            else:
                reply_body = answer_t.format(**values, agent=author.name)
            last_round = round_no == rounds - 1
            final_status = {
                Status.PENDING: Status.PENDING,
                Status.SOLVED: Status.SOLVED,
                Status.CLOSED: Status.SOLVED,
            }.get(status)
            reply = conversation_reply(
                conversation=conversation,
                author=author,
                body=reply_body,
                status=final_status if last_round else Status.PENDING,
            )
            thread.append(reply.message_id)
            last_reply = reply_body
            if last_round and status != Status.OPEN:
                break
            # The customer answers, quoting us.
            when = when + dt.timedelta(minutes=rng.uniform(30, 48 * 60))
            if when >= real_now:
                return
            self.clock.set(when)
            new_text = rng.choice(text["follow_ups"])
            self._customer_reply(conversation, person, address, subject, new_text, reply, thread)
            if last_round:
                return  # open: the customer is waiting for us again

        # 4. Endings: thanks (which reopens, so the agent solves again) and closing.
        if status in {Status.SOLVED, Status.CLOSED} and rng.random() < 0.4 and last_reply:
            when = when + dt.timedelta(minutes=rng.uniform(20, 24 * 60))
            if when < real_now:
                self.clock.set(when)
                self._customer_reply(
                    conversation,
                    person,
                    address,
                    subject,
                    # Some thank the agent by name: praise on their profile (docs/feedback.md).
                    rng.choice(text["thanks"]).format(agent=author.first_name),
                    reply,
                    thread,
                )
                when = self.clock.set(when + dt.timedelta(minutes=rng.uniform(5, 120)))
                conversation_set_status(
                    conversation=conversation, status=Status.SOLVED, actor=author
                )
        if status == Status.CLOSED:
            when = when + dt.timedelta(days=rng.uniform(3, 7))
            if when < real_now:
                self.clock.set(when)
                conversation_set_status(conversation=conversation, status=Status.CLOSED, actor=None)

    def _customer_reply(
        self,
        conversation: Conversation,
        person: _Person,
        address: str,
        subject: str,
        new_text: str,
        replied_to: Message,
        thread: list[str],
    ) -> None:
        when = self.clock.current
        attribution = content.CONTENT[person.language]["attribution"].format(
            date=format_datetime(replied_to.created_at), name=replied_to.from_name
        )
        body = f"{new_text}\n\n{person.customer.name}\n\n" + _quote(
            replied_to.body_text, attribution
        )
        message_id = f"demo{self.seed}.{conversation.pk}.{len(thread)}@{address.split('@')[1]}"
        message_receive(
            inbox=conversation.inbox,
            inbound=InboundMessage(
                channel="email",
                from_address=address,
                from_name=person.customer.name,
                to=[replied_to.from_address],
                subject=f"Re: {subject}",
                message_id=message_id,
                in_reply_to=[replied_to.message_id],
                references=list(thread[-10:]),
                body_text=body,
                reply_text=new_text,
                sent_at=when,
                reply_tokens=[conversation.reply_token],
            ),
        )
        thread.append(message_id)

    @staticmethod
    def _html(body: str) -> str:
        paragraphs = "".join(
            f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in body.split("\n\n") if p
        )
        return f"<div>{paragraphs}</div>"
