"""Run the benchmarks of DESIGN.md section 6 on PostgreSQL with gunicorn and DEBUG off.

    make bench                                   # all scenarios
    make bench BENCH_ARGS="--candidates 500"     # a smaller run
    make bench BENCH_ARGS="--only reports"       # the participation report alone
    make bench BENCH_ARGS="--only logins"        # the exam-morning logins alone (bench/logins.py)
    make bench BENCH_ARGS="--only fanout"        # the reminder fan-out alone (bench/fanout.py)

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/xuefa_bench, dropped and
created anew; give each person running benches their own name) and a Redis of its own on a free
port (or BENCH_REDIS_URL, which is flushed). Gunicorn listens on a free port. Prints one line per
figure. The exam-day soak is ``python -m bench.soak``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--bank", type=int, default=5000)
    parser.add_argument("--big-bank", type=int, default=50000)
    parser.add_argument("--saves", type=int, default=6000, help="autosave requests per measured run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument(
        "--only", choices=["exam", "reports", "logins", "fanout"], help="run one group of scenarios"
    )
    parser.add_argument("--report-staff", type=int, default=100_000, help="staff in the participation report")
    parser.add_argument(
        "--logins", type=int, default=2000, help="different staff logging in from one address"
    )
    parser.add_argument("--login-connections", type=int, default=16)
    parser.add_argument("--recipients", type=int, default=100_000, help="reminder fan-out recipients")
    args = parser.parse_args()

    from lawplatform import embedded_redis

    args.port = args.port or embedded_redis.free_port()
    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xuefa_bench")
    redis_url = os.environ.get("BENCH_REDIS_URL", "")
    redis_process = None
    if not redis_url:
        port = embedded_redis.free_port()
        redis_process = embedded_redis.start(
            port=port, data_dir=Path(tempfile.mkdtemp(prefix="xuefa-bench-redis-"))
        )
        redis_url = f"redis://127.0.0.1:{port}/0"
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    try:
        from bench import scenarios

        scenarios.prepare_database(database_url, redis_url)
        status = 0
        if args.only in (None, "exam"):
            status |= scenarios.run_all(args)
        if args.only in (None, "reports"):
            from bench import reports

            status |= reports.run(args)
        if args.only in (None, "logins"):
            from bench import logins

            status |= logins.run(args)
        if args.only in (None, "fanout"):
            from bench import fanout

            status |= fanout.run(args)
        return status
    finally:
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
