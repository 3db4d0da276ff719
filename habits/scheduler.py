"""The only module that imports APScheduler: the job list and where the scheduler runs.

Correctness never comes from the scheduler (PAYMENTS.md section 4): the settlement sweep is
catch-up by construction and exactly-once by database keys and row locks, so a missed, doubled
or late run is harmless; the mail relay claims each mail in the database the same way
(``habits.services.mail_relay``), and so do the notification jobs: a reminder, a day-before
notice or a digest is claimed by a unique key, a push by ``SKIP LOCKED``
(``habits.services.notifications``). The scheduler only decides *when* the sweep runs:

- ``SCHEDULER_MODE="in-process"`` (the demo): ``create_app`` starts a BackgroundScheduler once;
  never under tests, never in the debug reloader's watcher process, never twice in a process.
- ``SCHEDULER_MODE="off"`` for web workers in production, with ``flask --app app scheduler run``
  (a BlockingScheduler) as its own process. Several such processes may run (a deploy overlap):
  they share the work through ``FOR UPDATE SKIP LOCKED``. The scheduler stamps its node's row
  (the last sweep /healthz reports) but never the minute heartbeat: only processes that accept
  check-ins prove the service was up (``habits.observability.heartbeat``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask.cli import ScriptInfo, pass_script_info, with_appcontext

from habits.extensions import db
from habits.mail.compose import compose_mail
from habits.mail.transports import transport_for
from habits.notify.chat.transport import ChatWebhookTransport
from habits.notify.digest_mail import compose_digest
from habits.notify.webpush import WebPushTransport
from habits.observability.heartbeat import node_name
from habits.observability.metrics import SETTLEMENT_SECONDS, SETTLEMENTS
from habits.services import chat_relay, chat_summary, mail_relay
from habits.services.community_health import alerts, refresh
from habits.services.health import SCHEDULER, record_node_beat
from habits.services.notifications import digest, push_relay, reminders, upcoming
from habits.services.settlement import settle_due_days

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    id: str
    #: a textual ``module:function`` reference (APScheduler's advice for serialisable jobs)
    func: str
    seconds: int
    kwargs: dict = field(default_factory=dict)


JOBS = [
    # Opens and settles everything that is due, then stamps this node's scheduler beat.
    Job(id="settle-due-days", func="habits.scheduler:run_settle_due_days", seconds=60),
    # Sends the outbox's due mail (SMTP, or the log without MAIL_SERVER), retrying with backoff.
    Job(id="relay-mail", func="habits.scheduler:run_mail_relay", seconds=60),
    # Records the reminders due this minute (one set-based claim) and queues their pushes.
    Job(id="remind", func="habits.scheduler:run_reminders", seconds=60),
    # Sends the queued Web Push deliveries, retrying with backoff; removes expired devices.
    Job(id="relay-push", func="habits.scheduler:run_push_relay", seconds=60),
    # The day before a challenge starts, tells its members; writes the daily e-mail digests due.
    Job(id="daily-notices", func="habits.scheduler:run_daily_notices", seconds=60),
    # Claims each community's chat summary once its time has come (unique community + date).
    Job(id="chat-summaries", func="habits.scheduler:run_chat_summaries", seconds=60),
    # Posts the queued chat messages to their webhooks, retrying with backoff.
    Job(id="relay-chat", func="habits.scheduler:run_chat_relay", seconds=60),
    # Brings the communities' health figures up to date (each community claimed in the database),
    # then alerts organizers whose community stayed below their threshold two dates running.
    Job(id="community-health", func="habits.scheduler:run_community_health", seconds=60),
]

#: batches one relay run may send before it yields to the next run
MAIL_BATCHES_PER_RUN = 25
PUSH_BATCHES_PER_RUN = 50
CHAT_BATCHES_PER_RUN = 10

#: every job runs at start-up too, is never run twice at once, and a late run still runs (once)
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}

_in_process: BackgroundScheduler | None = None


def run_settle_due_days(app) -> dict:
    """The sweep as a job: sweep (one commit per unit), then record its beat and what it settled."""
    now = datetime.now(UTC)
    with app.app_context():
        session = db.session
        try:
            result = settle_due_days(session, now=now, commit=session.commit)
            count_sweep(result)
            try:
                record_node_beat(
                    session, node=node_name(app), role=SCHEDULER, now=now, settled_days=len(result.settled)
                )
                session.commit()
            except Exception:
                session.rollback()
                log.exception("scheduler beat write failed")
            if result.settled or result.opened or result.cancelled or result.failed:
                log.info(
                    "sweep: opened %s, cancelled %s, settled %s, failed %s",
                    result.opened, result.cancelled, result.settled, result.failed,
                )  # fmt: skip
            return {"settled": len(result.settled), "failed": len(result.failed)}
        finally:
            session.remove()


def count_sweep(result) -> None:
    for outcome in ("settled", "opened", "cancelled", "failed"):
        if units := len(getattr(result, outcome)):
            SETTLEMENTS.labels(outcome=outcome).inc(units)
    for seconds in result.settled_seconds:
        SETTLEMENT_SECONDS.observe(seconds)


def relay_batches(app, relay, transport, batches: int, outcomes: tuple[str, ...]) -> dict:
    """A relay as a job: batches of due rows until none is left (each batch claims, sends and
    records in its own commits; the relay's module says how several processes share the work),
    then the abandoned claims given up and the delivered rows purged. The count of each outcome."""
    totals = dict.fromkeys(outcomes, 0)
    with app.app_context():
        session = db.session
        try:
            for _ in range(batches):
                now = datetime.now(UTC)
                result = relay.relay_due(session, transport, now=now, commit=session.commit)
                for name in totals:
                    totals[name] += len(getattr(result, name))
                if len(result.claimed) < relay.BATCH:
                    break
            now = datetime.now(UTC)
            relay.give_up_abandoned(session, now=now)
            relay.purge_delivered(session, now=now)
            session.commit()
            if any(totals.values()):
                log.info("%s: %s", relay.__name__, ", ".join(f"{k} {v}" for k, v in totals.items()))
            return totals
        finally:
            session.remove()


def run_mail_relay(app) -> dict:
    """The mail outbox's relay (habits/services/mail_relay.py)."""
    outcomes = ("sent", "retrying", "failed")
    return relay_batches(app, mail_relay, transport_for(app.config), MAIL_BATCHES_PER_RUN, outcomes)


def run_reminders(app) -> None:
    """The reminders due now: recorded, and their pushes queued, in one commit."""
    now = datetime.now(UTC)
    with app.app_context():
        session = db.session
        try:
            reminders.remind_due(session, now=now)
            session.commit()
        finally:
            session.remove()


def run_push_relay(app) -> dict:
    """The push queue's relay (habits/services/notifications/push_relay.py); ``removed``: devices
    whose subscription expired."""
    transport = WebPushTransport.from_config(app.config)
    outcomes = ("sent", "retrying", "failed", "skipped", "removed")
    return relay_batches(app, push_relay, transport, PUSH_BATCHES_PER_RUN, outcomes)


def run_daily_notices(app) -> dict:
    """The day-before notices of starting challenges, then the e-mail digests due now."""
    now = datetime.now(UTC)
    with app.app_context():
        session = db.session
        try:
            announced = upcoming.announce_starting_challenges(session, now=now)
            session.commit()
            digests = digest.send_due_digests(
                session, composer=compose_digest, now=now, commit=session.commit
            )
            return {"announced": len(announced), "digests": len(digests.mailed)}
        finally:
            session.remove()


def run_chat_summaries(app) -> dict:
    """The chat summaries due now, each claimed by its (community, date) key and committed."""
    now = datetime.now(UTC)
    with app.app_context():
        session = db.session
        try:
            result = chat_summary.claim_due_summaries(session, now=now, commit=session.commit)
            return {"claimed": len(result.claimed)}
        finally:
            session.remove()


def run_chat_relay(app) -> dict:
    """The chat outbox's relay (habits/services/chat_relay.py)."""
    transport = ChatWebhookTransport.from_config(app.config)
    outcomes = ("sent", "retrying", "failed")
    return relay_batches(app, chat_relay, transport, CHAT_BATCHES_PER_RUN, outcomes)


def run_community_health(app) -> dict:
    """The health refresh as a job: each due community under its own claim and commit, its
    alerts checked in the same transaction as its figures."""
    now = datetime.now(UTC)
    with app.app_context():
        session = db.session
        try:

            def alert(community, dates) -> bool:
                return bool(alerts.check_alerts(session, community, composer=compose_mail, now=now))

            run = refresh.refresh_due(session, now=now, commit=session.commit, after_refresh=alert)
            return {"refreshed": len(run.refreshed), "alerted": len(run.alerted)}
        finally:
            session.remove()


def add_jobs(scheduler, app) -> None:
    now = datetime.now(UTC)
    for index, job in enumerate(JOBS):
        scheduler.add_job(
            job.func,
            trigger="interval",
            seconds=job.seconds,
            id=job.id,
            args=[app],
            kwargs=job.kwargs,
            # at start-up, a second apart in the list's order (the sweep first)
            next_run_time=now + timedelta(seconds=index),
            replace_existing=True,
        )


def build_scheduler(app, scheduler_class=BackgroundScheduler):
    scheduler = scheduler_class(timezone=UTC, job_defaults=JOB_DEFAULTS)
    add_jobs(scheduler, app)
    return scheduler


def should_start_in_process(app) -> bool:
    """In-process only for the demo, never under tests, only when serving, and once under the
    debug reloader."""
    if app.config["SCHEDULER_MODE"] != "in-process" or app.config.get("TESTING"):
        return False
    # Under the flask CLI only `flask run` serves; `db upgrade`, `seed-demo`, `settle`... must not
    # start a sweep beside themselves. Outside click (gunicorn, a script) there is no context.
    command = click.get_current_context(silent=True)
    if command is not None and command.info_name != "run":
        return False
    # The reloader's watcher process sets no WERKZEUG_RUN_MAIN; only the child serves.
    return not (app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true")


def start_in_process(app) -> BackgroundScheduler | None:
    """Start the demo's background scheduler, at most once per process."""
    global _in_process
    if not should_start_in_process(app):
        return None
    if _in_process is not None:
        log.warning("in-process scheduler already running in this process; not starting another")
        return _in_process
    _in_process = build_scheduler(app, BackgroundScheduler)
    _in_process.start()
    app.extensions["streakpot_scheduler"] = _in_process
    log.info("in-process scheduler started: %s", ", ".join(job.id for job in JOBS))
    return _in_process


@click.group("scheduler")
def scheduler_cli() -> None:
    """The scheduler process for production (web workers run with STREAKPOT_SCHEDULER_MODE=off)."""


@scheduler_cli.command("run")
@pass_script_info
@with_appcontext
def run_command(info: ScriptInfo) -> None:
    """Run the jobs in the foreground until stopped (Ctrl-C or SIGTERM)."""
    app = info.load_app()  # the app itself, not the current_app proxy: the jobs' threads use it
    scheduler = build_scheduler(app, BlockingScheduler)
    click.echo(f"scheduler running: {', '.join(f'{j.id} every {j.seconds}s' for j in JOBS)}")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
