"""Distributed transcoding on Celery with a Redis broker (`SABAQ_BROKER_URL`).

The catalogue stays the source of truth; a Celery message only says "job N
is waiting". A worker claims the job in the catalogue before it works on it
(catalog.jobs.claim_job), so a message delivered twice does nothing the
second time, and a job whose worker died (its heartbeat stopped for the
lease) is taken by the next worker that gets its message. Messages are
acknowledged late and re-queued when a worker is lost, and Redis hands an
unacknowledged message to another worker after the visibility timeout.

A worker runs the job through the same runner as everyone else (service.jobs),
in the data directory it was started with (`sabaq worker --data DIR`).

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

from catalog.jobs import lease_s as catalog_lease_s
from errors import BadInput
from service.workspace import Workspace

QUEUE = "sabaq-transcode"


def broker_url() -> str | None:
    """The configured broker, if any (no broker: the local pool is used)."""
    return os.environ.get("SABAQ_BROKER_URL") or None


DATA_DIR = "sabaq_data_dir"
"""The key of the Celery configuration that holds a worker's data directory."""


def make_app(broker: str, data_dir: Path | None = None) -> Celery:
    """The Celery application of sabaq's transcoding farm; a worker's runs its jobs in
    `data_dir` (an enqueuer needs none)."""
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
    app.conf[DATA_DIR] = str(data_dir) if data_dir is not None else None
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
    from service.jobs import claim, run_job

    workspace = Workspace(Path(task.app.conf[DATA_DIR]))
    catalog = workspace.catalog(migrate=False)
    lease = lease_s()
    try:
        if claim(catalog, job_id, lease) is None:
            with catalog.session() as session:
                job = session.get(TranscodeJob, job_id)
                running = job is not None and job.state == JobState.running
            if running:
                raise task.retry(countdown=lease)
            return {"job": job_id, "ran": False}  # done, failed or gone: nothing to do
        outcome = run_job(workspace, job_id, heartbeat_s=lease / 4)
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


def run_worker(workspace: Workspace, concurrency: int, name: str | None = None) -> None:
    """Run a Celery worker of the farm in this process until it is stopped, running its
    jobs in the workspace's data directory. BadInput when no broker is configured."""
    broker = broker_url()
    if broker is None:
        raise BadInput(
            "SABAQ_BROKER_URL is not set (e.g. redis://127.0.0.1:6379/0); without a broker "
            "run the queue locally with `sabaq transcode --queued`"
        )
    workspace.catalog()  # migrated once, before the worker forks
    app = make_app(broker, workspace.root.resolve())
    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}", "--pool=prefork"]
    if name:
        argv.append(f"--hostname={name}@%h")
    app.worker_main(argv)
