"""Benchmark the MHSDS v6 monthly extract (interchange.mhsds) on a large synthetic service. Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_mhsds_extract.py --referrals 100000

DATABASE_URL names the server; the script works only in its own database (``--database``,
default ``caseload_mhsds_bench``), which ``scripts/bench_support.py`` creates, migrates and fills
with ``demo.bulk`` on the first run (care plans on) and reuses afterwards (``--rebuild`` starts
again). It is then coded once as ``scripts/bench_measures.py`` codes its data
(``code_for_measures``: team types, crisis and liaison routes, SNOMED CT codes on outcome
measures, an assessment at each first contact, coded therapies, a few hospital stays), so every
table of the extract has rows.

For one month (``--month``, default the last whole month before the data's end) it builds the
extract exactly as the Celery task does (``extract_run_request``, ``_claim``, ``_build``) and
prints the wall time, the rows per table, the zip's size, the validation failures, and memory:
the peak of Python's own allocations during the build (tracemalloc, ``--tracemalloc``; it slows
the build) and the process's peak resident set (``ru_maxrss``) before and after the build. When
the data had to be loaded first, the script runs itself again in a fresh process for the build,
so the loading's memory does not hide the extract's.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from bench_measures import CODING, code_for_measures
from bench_support import bench_open, fmt_seconds, meta, set_meta, vacuum


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument(
        "--database", default="caseload_mhsds_bench", help="Bench database (name must contain 'bench')."
    )
    parser.add_argument("--rebuild", action="store_true", help="Drop the bench database and load it again.")
    parser.add_argument("--month", help="YYYY-MM; default the last whole month before the data's end.")
    parser.add_argument("--tracemalloc", action="store_true", help="Also trace Python allocations (slower).")
    parser.add_argument("--out", default="", help="Where to write the zip (default: a file under /tmp).")
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "")
    bench = bench_open(
        database=args.database, rebuild=args.rebuild, redis=False, referrals=args.referrals, care_plans=True
    )
    if bench.load_seconds is not None:
        print(f"Loaded in {fmt_seconds(bench.load_seconds)}; building the extract in a fresh process.", flush=True)
        again = [sys.executable, __file__, *[a for a in sys.argv[1:] if a != "--rebuild"]]
        sys.exit(subprocess.call(again, env={**os.environ, "DATABASE_URL": server_url}))

    from django.utils import timezone

    from common.london import london_date
    from interchange.mhsds.tables import TABLES
    from interchange.models import ExtractRun
    from interchange.services import extract_run_build, extract_run_claim, extract_run_request
    from referrals.models import Referral

    if meta().get("measures_coding") != CODING:
        print("Coding the bulk service as scripts/bench_measures.py does...", flush=True)
        for what, rows in code_for_measures().items():
            print(f"  {what:<40} {rows:>10,}", flush=True)
        vacuum()
        set_meta(measures_coding=CODING)
    month = args.month or f"{london_date(bench.now).replace(day=1) - timedelta(days=1):%Y-%m}"
    out = Path(args.out or f"/tmp/{args.database}_{month}.zip")
    print(f"{Referral.objects.count():,} referrals in the database; extract for {month} to {out}", flush=True)

    rss_before = max_rss_mb()
    run = extract_run_request(period=month, org_code="RXX", by=None, now=timezone.now())
    extract_run_claim(run_id=run.pk, now=timezone.now())
    if args.tracemalloc:
        tracemalloc.start()
    started = time.monotonic()
    run = extract_run_build(run_id=run.pk, now=timezone.now(), out=out)
    seconds = time.monotonic() - started
    traced_peak = tracemalloc.get_traced_memory()[1] / (1 << 20) if args.tracemalloc else None
    if args.tracemalloc:
        tracemalloc.stop()
    rss_after = max_rss_mb()

    if run.status != ExtractRun.Status.DONE:
        sys.exit(f"The extract failed: {run.error}")
    print(f"\nExtract for {month}: {fmt_seconds(seconds)}, zip {run.file_size / (1 << 20):.1f} MB")
    for table in TABLES:
        print(f"  {table.name:<34} {run.counts[table.name]:>10,} rows")
    print(f"  {'validation failures':<34} {sum(run.issues.values()):>10,}")
    for check, count in sorted(run.issues.items()):
        print(f"    {check:<32} {count:>10,}")
    print(f"Peak resident set: {rss_before:.0f} MB before the build, {rss_after:.0f} MB after")
    if traced_peak is not None:
        print(f"Peak of Python allocations during the build (tracemalloc): {traced_peak:.1f} MB")


if __name__ == "__main__":
    main()
