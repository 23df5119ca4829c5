"""An NPS campaign to a large customer base: preview, the batched invite walk, sending, results.

    .venv/bin/python bench/nps_campaign.py [--customers 100000] [--send 2000] [--database URL]

Fills a fresh SQLite file (bench/out/nps.sqlite3) or the given PostgreSQL database with
customers (2 % opted out of surveys; 10 % asked by an earlier campaign 30 days ago, so the
throttle leaves them out), then times, as the admin would trigger them: the campaign page's
preview, the whole invite walk (`nps_campaign_invite_batch` until the segment is done, 50 %
sample), emailing `--send` invitations (`nps_invitations_send_batch`, mail to a backend that
sends nothing), and the results (`nps_results`, 3 queries) over 20,000 answers. Prints one JSON
line; nothing is asserted.
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--send", type=int, default=2_000)
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    database = OUT / "nps.sqlite3"
    if not args.database and database.exists():
        database.unlink()
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["CAREFRONT_DATABASE_URL"] = args.database or f"sqlite:///{database}"
    os.environ["CAREFRONT_MEDIA_ROOT"] = str(OUT / "media")
    os.environ.setdefault("CAREFRONT_BASE_URL", "http://127.0.0.1:8000")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from carefront.accounts.models import Role
    from carefront.accounts.tests.factories import AgentFactory
    from carefront.customers.models import Customer
    from carefront.feedback import tokens
    from carefront.feedback.models import (
        CampaignStatus,
        InvitationStatus,
        NpsCampaign,
        NpsInvitation,
        NpsResponse,
    )
    from carefront.feedback.models.nps import month_start, week_start
    from carefront.feedback.selectors import nps_results
    from carefront.feedback.services import (
        nps_campaign_create,
        nps_campaign_invite_batch,
        nps_campaign_preview,
        nps_invitations_send_batch,
    )
    from carefront.inboxes.tests.factories import InboxFactory

    call_command("migrate", verbosity=0)
    for model in (NpsResponse, NpsInvitation, NpsCampaign):
        model.objects.all().delete()
    Customer.objects.all().delete()
    admin = AgentFactory(role=Role.ADMIN)
    inbox = InboxFactory()
    now = timezone.now()

    started = time.perf_counter()
    rows = [
        Customer(
            name=f"Customer {i}",
            email=f"customer{i}@example.com",
            attributes={"plan": "gold" if i % 3 else "free"},
            surveys_opted_out_at=now if i % 50 == 0 else None,
        )
        for i in range(args.customers)
    ]
    Customer.objects.bulk_create(rows, batch_size=5000)
    earlier = nps_campaign_create(actor=admin, name="Earlier", sender_inbox=inbox)
    NpsCampaign.objects.filter(pk=earlier.pk).update(status=CampaignStatus.SENT)
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    asked = []
    for n, customer_id in enumerate(ids[::10]):
        salt = f"{n:032x}"
        asked.append(
            NpsInvitation(
                campaign=earlier,
                customer_id=customer_id,
                status=InvitationStatus.SENT,
                sent_at=now - dt.timedelta(days=30),
                token_salt=salt,
                token_hash=tokens.token_hash(tokens.nps_token(salt)),
            )
        )
    NpsInvitation.objects.bulk_create(asked, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    fill_s = time.perf_counter() - started

    campaign = nps_campaign_create(actor=admin, name="Bench", sender_inbox=inbox, sample_percent=50)
    preview_times = []
    for _ in range(5):
        t = time.perf_counter()
        preview = nps_campaign_preview(campaign=campaign)
        preview_times.append(time.perf_counter() - t)

    NpsCampaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SENDING)
    started = time.perf_counter()
    batches = invited = 0
    batch_queries = []
    while True:
        with CaptureQueriesContext(connection) as queries:
            invited += nps_campaign_invite_batch(campaign_id=campaign.pk)
        batch_queries.append(len(queries))
        batches += 1
        if NpsCampaign.objects.filter(pk=campaign.pk, segment_done=True).exists():
            break
    invite_s = time.perf_counter() - started

    started = time.perf_counter()
    sent = 0
    while sent < args.send:
        done = nps_invitations_send_batch(campaign_id=campaign.pk)
        if not done:
            break
        sent += done
    send_s = time.perf_counter() - started

    answers = [
        NpsResponse(
            invitation_id=invitation_id,
            campaign_id=campaign.pk,
            customer_id=customer_id,
            score=n % 11,
            answered_at=now - dt.timedelta(hours=n % (24 * 180)),
            answered_week=week_start(now - dt.timedelta(hours=n % (24 * 180))),
            answered_month=month_start(now - dt.timedelta(hours=n % (24 * 180))),
            updated_at=now,
        )
        for n, (invitation_id, customer_id) in enumerate(
            NpsInvitation.objects.filter(campaign=campaign)
            .order_by("pk")
            .values_list("pk", "customer_id")[:20_000]
        )
    ]
    NpsResponse.objects.bulk_create(answers, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE feedback_npsresponse")
    result_times = []
    for _ in range(10):
        t = time.perf_counter()
        results = nps_results(actor=admin, campaign=campaign, period="week")
        result_times.append(time.perf_counter() - t)

    print(
        json.dumps(
            {
                "database": connection.vendor,
                "customers": args.customers,
                "fill_s": round(fill_s, 1),
                "preview": preview,
                "preview_ms_median": round(statistics.median(preview_times) * 1000, 1),
                "invited": invited,
                "invite_batches": batches,
                "queries_per_invite_batch": sorted(set(batch_queries)),
                "invite_walk_s": round(invite_s, 2),
                "customers_walked_per_s": round(args.customers / invite_s),
                "emails_sent": sent,
                "emails_per_s": round(sent / send_s) if send_s else None,
                "results_answers": results.responses,
                "results_nps": results.nps,
                "results_trend_weeks": len(results.trend),
                "results_ms_median": round(statistics.median(result_times) * 1000, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
