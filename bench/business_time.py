"""Due times for 100,000 conversations in business time (issue 9: <= 10 s on this machine).

    .venv/bin/python bench/business_time.py [--conversations 100000] [--seed 1]

A mix of seven calendars (office hours with a lunch break and German or US public holidays and
closures, 9-5 in New York, a night shift in Kolkata, a 24/7 calendar, Sydney), each conversation
arriving at a random moment of 2026 with a target of 1, 4, 8 or 24 business hours. Timed: building
the schedules (fresh objects, so every day they lay out and every holiday year they load is in
the figure), then `add_business_time` for each conversation, then `business_time_between` back
over each (what recording "first reply in 1 h 12 m business time" costs). Pure computation: no
database, as in the service that will store the due times. Prints one JSON line.
"""

import argparse
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from carefront.sla.business_time import (
    Closure,
    Schedule,
    add_business_time,
    business_time_between,
    public_holidays,
)

LUNCH = ((9 * 60, 12 * 60 + 30), (13 * 60 + 30, 17 * 60 + 30))
NINE_TO_FIVE = ((9 * 60, 17 * 60),)


def schedules() -> list[Schedule]:
    christmas = (Closure(datetime(2026, 12, 24, 12, 0), datetime(2027, 1, 2, 0, 0)),)
    return [
        Schedule("Europe/Berlin", (LUNCH,) * 5 + ((), ()), "DE", "BY", christmas),
        Schedule("Europe/Paris", (LUNCH,) * 5 + (((10 * 60, 14 * 60),), ()), "FR"),
        Schedule("America/New_York", (NINE_TO_FIVE,) * 5 + ((), ()), "US", "NY"),
        Schedule("America/Los_Angeles", (NINE_TO_FIVE,) * 6 + ((),), "US", "CA"),
        Schedule(
            "Asia/Kolkata",
            (((0, 6 * 60), (22 * 60, 24 * 60)),) * 6 + ((),),
            "IN",
            closed_dates=frozenset({date(2026, 8, 15)}),
        ),
        Schedule.always_open("UTC"),
        Schedule("Australia/Sydney", (NINE_TO_FIVE,) * 5 + ((), ()), "AU", "NSW"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    year = datetime(2026, 1, 1, tzinfo=UTC)
    targets = [timedelta(hours=h) for h in (1, 4, 8, 24)]
    workload = [
        (
            rng.randrange(7),
            year + timedelta(seconds=rng.randrange(365 * 86400)),
            rng.choice(targets),
        )
        for _ in range(args.conversations)
    ]
    public_holidays.cache_clear()

    started = time.perf_counter()
    cpu_started = time.process_time()
    calendars = schedules()
    due = [add_business_time(calendars[c], start, target) for c, start, target in workload]
    due_s = time.perf_counter() - started
    cpu_s = time.process_time() - cpu_started

    started = time.perf_counter()
    taken = [
        business_time_between(calendars[c], start, end)
        for (c, start, _target), end in zip(workload, due, strict=True)
    ]
    between_s = time.perf_counter() - started
    wrong = sum(
        1 for (_c, _s, target), spent in zip(workload, taken, strict=True) if spent != target
    )
    print(
        json.dumps(
            {
                "conversations": args.conversations,
                "calendars": len(calendars),
                "due_times_s": round(due_s, 3),
                "due_times_cpu_s": round(cpu_s, 3),
                "per_second": round(args.conversations / due_s),
                "between_s": round(between_s, 3),
                "round_trip_mismatches": wrong,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
