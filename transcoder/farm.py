"""Distributed transcoding on Celery with a Redis broker (`SABAQ_BROKER_URL`).

The catalogue stays the source of truth; a Celery message only says "job N
is waiting". A worker claims the job in the catalogue before it works on it
(catalog.jobs.claim_job), so a message delivered twice does nothing the
second time, and a job whose worker died (its heartbeat stopped for the
lease) is taken by the next worker that gets its message. Messages are
acknowledged late and re-queued when a worker is lost, and Redis hands an
unacknowledged message to another worker after the visibility timeout.

Environment of `sabaq worker` and of whoever enqueues:

- `SABAQ_BROKER_URL`: e.g. redis://127.0.0.1:6379/0 (required);
- `SABAQ_QUEUE`: the queue's name (default `sabaq-transcode`);
- `SABAQ_BROKER_VISIBILITY_S`: seconds before an unacknowledged message is
  delivered again (default 300; keep it above the lease);
- `SABAQ_JOB_LEASE_S`: seconds without a heartbeat after which a running job
  counts as abandoned (default 60).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from celery import Celery

from catalog import default_database_url, open_catalog
from catalog.jobs import lease_s as catalog_lease_s

QUEUE = "sabaq-transcode"


def broker_url() -> str | None:
    """The configured broker, if any (no broker: the local pool is used)."""
    return os.environ.get("SABAQ_BROKER_URL") or None


def make_app(broker: str) -> Celery:
    """The Celery application of sabaq's transcoding farm."""
    app = Celery("sabaq", broker=broker)
    queue = os.environ.get("SABAQ_QUEUE", QUEUE)
    visibility = float(os.environ.get("SABAQ_BROKER_VISIBILITY_S", "300"))
    app.conf.update(
        task_default_queue=queue,
        task_acks_late=True,  # a message is acknowledged when its job has ended
        task_reject_on_worker_lost=True,  # a killed worker's message goes back
        worker_prefetch_multiplier=1,  # a worker holds one message at a time
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility,
            # Look for messages of lost workers every fifth of the timeout (kombu's
            # default sweep is every 100 s whatever the timeout).
            "unacked_restore_interval": max(1.0, visibility / 5),
            "unacked_restore_throttle": 1,
        },
        task_ignore_result=True,
        worker_hijack_root_logger=False,
    )
    app.task(name="sabaq.transcode_job", bind=True, max_retries=None)(transcode_job)
    return app


def lease_s() -> float:
    """How long a running job may go without a heartbeat before it counts as abandoned."""
    return catalog_lease_s()


def transcode_job(task: Any, job_id: int) -> dict[str, Any]:
    """Claim job `job_id` in the catalogue and run it.

    If another worker is running it, look again after a lease: the job is then
    done (nothing to do), still beating (look again later), or abandoned by a
    worker that died (claimed and run here, its attempt counted).
    """
    from catalog.models import JobState, TranscodeJob
    from transcoder.jobs import claim, run_job

    data_dir = Path(os.environ.get("SABAQ_DATA_DIR", "sabaq-data"))
    catalog = open_catalog(default_database_url(data_dir), migrate=False)
    lease = lease_s()
    try:
        if claim(catalog, job_id, lease) is None:
            with catalog.session() as session:
                job = session.get(TranscodeJob, job_id)
                running = job is not None and job.state == JobState.running
            if running:
                raise task.retry(countdown=lease)
            return {"job": job_id, "ran": False}  # done, failed or gone: nothing to do
        outcome = run_job(catalog, data_dir, job_id, heartbeat_s=lease / 4)
        return {"job": job_id, "ran": True, "ok": outcome.ok, "error": outcome.error}
    finally:
        catalog.dispose()


def shown(url: str) -> str:
    """A broker URL fit to print: any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def enqueue(job_ids: list[int], broker: str) -> None:
    """Ring the farm's bell once per job."""
    app = make_app(broker)
    with app.connection_for_write() as connection:
        for job_id in job_ids:
            app.send_task("sabaq.transcode_job", args=[job_id], connection=connection)


def run_worker(broker: str, concurrency: int, name: str | None = None) -> None:
    """Run a Celery worker in this process until it is stopped."""
    app = make_app(broker)
    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}", "--pool=prefork"]
    if name:
        argv.append(f"--hostname={name}@%h")
    app.worker_main(argv)
