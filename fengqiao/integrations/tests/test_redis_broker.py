"""The job queue on Redis (FENGQIAO_REDIS_URL), as several web and job machines share it.

A real job — the outbox delivery — is enqueued through the Redis broker and run by a real
django-q2 cluster (sentinel, pusher, worker and monitor processes); its result is saved in the
database as with the ORM broker. CI sets FENGQIAO_REDIS_URL for the PostgreSQL stage; without
it the test is skipped, saying so.
"""

from __future__ import annotations

import os
import uuid

import pytest
from django.conf import settings
from django.db import connections

pytestmark = pytest.mark.skipif(
    not os.environ.get("FENGQIAO_REDIS_URL"),
    reason="FENGQIAO_REDIS_URL is not set: no Redis to run the job queue on (CI sets it for the PostgreSQL stage)",
)


@pytest.mark.django_db(transaction=True)
def test_a_job_enqueued_through_redis_runs_on_a_cluster_and_its_result_is_kept():
    from django_q.brokers import get_broker
    from django_q.brokers.redis_broker import Redis
    from django_q.cluster import Cluster
    from django_q.models import Success
    from django_q.tasks import async_task, result

    assert settings.Q_CLUSTER["redis"] == os.environ["FENGQIAO_REDIS_URL"]
    assert "orm" not in settings.Q_CLUSTER
    # A queue of its own, so that no other cluster on the same Redis takes the task.
    broker = get_broker(list_key=f"fengqiao-test-{uuid.uuid4().hex}")
    assert isinstance(broker, Redis)
    assert broker.ping()
    task_id = async_task("fengqiao.integrations.outbox.outbox_deliver_task", broker=broker)
    assert broker.queue_size() == 1
    # The cluster forks; a connection open now would be shared with its processes, which close
    # theirs on start (as qcluster's own parent, which never queries again, allows).
    connections.close_all()
    cluster = Cluster(broker)
    cluster.start()
    try:
        outcome = result(task_id, wait=60_000)
        left = broker.queue_size()  # taken off the queue by the cluster, before the clean-up
    finally:
        cluster.stop()
        broker.delete_queue()
    assert outcome == "delivered 0, retrying 0, failed 0"
    assert Success.objects.filter(id=task_id, func="fengqiao.integrations.outbox.outbox_deliver_task").exists()
    assert left == 0
