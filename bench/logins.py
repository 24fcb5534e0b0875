"""Exam-morning logins (DESIGN.md section 6): thousands of different staff from one address.

Under gunicorn on PostgreSQL, with the production password hasher, every person logs in once
through ``POST /api/v1/auth/token/`` from 127.0.0.1, as a bureau behind one NAT address would.
The reference, measured in the same run, is the password hash alone (``check_password``, one
thread, CPU time): a login cannot cost less. Printed: logins per second and per core, the time for
all of them, their errors (goal 0: nobody refused for sharing an address), and a wrong-password
burst that must lock its own account and no other.
"""

from __future__ import annotations

import argparse
import os
import time

PASSWORD = "Exam-morning-2026"
TOKEN_PATH = "/api/v1/auth/token/"
BYSTANDERS = 50
BURST = 30


def run(args: argparse.Namespace) -> int:
    from axes.models import AccessAttempt
    from django.contrib.auth.hashers import check_password, make_password

    from bench import load
    from bench.scenarios import figure, ms
    from bench.server import Gunicorn
    from people.models import User

    count = args.logins
    hashed = make_password(PASSWORD)
    User.objects.bulk_create(
        [User(username=f"login-{n:05d}", name=f"登录{n}", password=hashed) for n in range(count + BYSTANDERS)]
        + [User(username="login-victim", name="被猜密码者", password=hashed)],
        batch_size=1000,
    )
    rounds = 5
    cpu = time.process_time()
    for _ in range(rounds):
        check_password(PASSWORD, hashed)
    per_hash = (time.process_time() - cpu) / rounds
    cores = os.cpu_count() or 1
    print(
        f"bench logins: {count} different staff from one address, {args.login_connections} connections",
        flush=True,
    )
    figure("password hash alone (reference), per core", f"{1 / per_hash:.2f} /s", f"{ms(per_hash)} CPU each")

    from lawplatform import embedded_redis

    host, port = "127.0.0.1", embedded_redis.free_port()
    with Gunicorn(port=port, env={"DJANGO_SETTINGS_MODULE": "bench.settings"}) as server:
        assert server.process is not None
        logins = [
            ("POST", TOKEN_PATH, "", {"username": f"login-{n:05d}", "password": PASSWORD})
            for n in range(count)
        ]
        cpu_before = _server_cpu(server.process.pid)
        morning = load.run(host, port, load.split(logins, args.login_connections))
        cpu_per_login = (_server_cpu(server.process.pid) - cpu_before) / count
        rate = morning.count / morning.elapsed
        figure(f"{count} logins from one address: time", f"{morning.elapsed:.1f} s")
        figure("logins per second / per core", f"{rate:.2f} / {rate / cores:.2f}", f"{cores} cores")
        if count != 2000:
            figure("time for 2,000 logins at this rate", f"{2000 / rate:.1f} s")
        # CPU time does not depend on what else the machine runs: the capacity of a free core.
        figure(
            "server CPU per login / logins per core-second", f"{ms(cpu_per_login)} / {1 / cpu_per_login:.2f}"
        )
        figure("server CPU per login / password hash alone", f"{cpu_per_login / per_hash:.2f} x")
        figure("login p50 / p99", f"{ms(morning.percentile(50))} / {ms(morning.percentile(99))}")
        figure("logins refused", str(morning.errors), "goal 0", morning.errors == 0)
        for sample in morning.error_samples:
            print("   ", sample)

        # A wrong-password burst on one account, then that account and its neighbours, same address.
        burst = [
            ("POST", TOKEN_PATH, "", {"username": "login-victim", "password": f"guess-{n}"})
            for n in range(BURST)
        ]
        load.run(host, port, load.split(burst, 6))
        victim = load.run(
            host, port, [[("POST", TOKEN_PATH, "", {"username": "login-victim", "password": PASSWORD})]]
        )
        neighbours = [
            ("POST", TOKEN_PATH, "", {"username": f"login-{n:05d}", "password": PASSWORD})
            for n in range(count, count + BYSTANDERS)
        ]
        others = load.run(host, port, load.split(neighbours, 8))
        locked = sorted(set(AccessAttempt.objects.values_list("username", flat=True)))
        figure(
            f"burst of {BURST} wrong passwords: the right one refused",
            "yes" if victim.errors == 1 else "no",
            "goal yes",
            victim.errors == 1,
        )
        figure(
            f"burst: accounts locked / neighbours refused of {BYSTANDERS}",
            f"{len(locked)} / {others.errors}",
            "goal 1 / 0",
            locked == ["login-victim"] and others.errors == 0,
        )
    return 0


def _server_cpu(pid: int) -> float:
    """CPU seconds (user and system) used so far by gunicorn's workers."""
    import psutil

    total = 0.0
    for worker in psutil.Process(pid).children(recursive=True):
        times = worker.cpu_times()
        total += times.user + times.system
    return total
