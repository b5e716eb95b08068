"""A nightly RDS backup job, written the way a team writes one with the official SDK.

For every running primary instance of a region: start a manual backup, poll
`DescribeBackupTasks` until the job ends, and report one outcome per instance. The paths
that break such jobs in production are handled on purpose:

- `Throttling.User`: wait (exponential back-off) and send the same call again;
- `BackupJobExists` because another job holds the instance (an automatic backup, a
  colleague's manual one): wait until the instance is free, then start ours;
- a lost answer (the connection closed, or a 5xx whose request may have been applied), then
  `BackupJobExists` on the retry: our first request *was* applied; the instance's active
  manual job is ours, so adopt it instead of failing or starting a second one;
- `Exceeded.BackupTimes`: the daily quota is spent; no retry can help, report it.

`sleep` is injectable: production passes `time.sleep`; tests pass a function that moves
the emulator's clock, so a six-hour back-off takes no time (see test_backup_job.py).

    python backup_job.py --endpoint rds.aliyuncs.com --region cn-hangzhou
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

from alibabacloud_rds20140815 import models as rds

#: Job states in which DescribeBackupTasks reports a job that has ended.
ENDED = ("Finished", "Failed")


@dataclass
class Settings:
    """How patient the job is. Seconds are wall-clock in production, simulated in tests."""

    max_attempts: int = 6  # per call
    first_backoff: float = 2.0  # doubled after each retry
    poll_interval: float = 60.0
    job_timeout: float = 6 * 3600.0
    method: str = "Physical"


@dataclass
class Outcome:
    """What happened to one instance."""

    instance_id: str
    status: str  # "Success", "Failed", "QuotaExhausted", "TimedOut" or "Error"
    backup_job_id: Optional[str] = None
    backup_id: Optional[str] = None
    attempts: int = 0  # CreateBackup calls sent
    adopted: bool = False  # the job was found after a lost answer
    detail: str = ""


class GiveUp(Exception):
    """A call failed more than `max_attempts` times, or with an error no retry fixes."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def answer_of(error: Exception) -> Optional[Tuple[int, str]]:
    """(HTTP status, code) of an error the service answered, or None if no answer arrived
    (connection closed, timed out). Works with the SDK's ClientException/ServerException
    (tea-openapi 0.4) and with the older TeaException (statusCode in `data`)."""
    status = getattr(error, "status_code", None)
    if status is None:
        status = (getattr(error, "data", None) or {}).get("statusCode")
    code = getattr(error, "code", None)
    if status is None or not code:
        return None
    return int(status), str(code)


class BackupJob:
    """Backs up every running primary instance of `region_id` through `client`."""

    def __init__(
        self,
        client: Any,
        region_id: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        settings: Optional[Settings] = None,
    ) -> None:
        self.client = client
        self.region_id = region_id
        self.sleep = sleep
        self.settings = settings or Settings()

    # ---------------------------------------------------------------- the job

    def run(self) -> List[Outcome]:
        """One outcome per instance, in the order DescribeDBInstances lists them."""
        return [self.backup_instance(instance_id) for instance_id in self.list_instances()]

    def list_instances(self) -> List[str]:
        """The running primary instances of the region (every page)."""
        ids: List[str] = []
        page = 1
        while True:
            request = rds.DescribeDBInstancesRequest(
                region_id=self.region_id,
                dbinstance_type="Primary",
                dbinstance_status="Running",
                page_size=100,
                page_number=page,
            )
            body = self._call(self.client.describe_dbinstances, request).body
            items = body.items.dbinstance if body.items and body.items.dbinstance else []
            ids.extend(item.dbinstance_id for item in items)
            if not items or len(ids) >= int(body.total_record_count or 0):
                return ids
            page += 1

    def backup_instance(self, instance_id: str) -> Outcome:
        """Starts a backup of one instance and waits for it to end."""
        outcome = Outcome(instance_id, "Error")
        try:
            outcome.backup_job_id = self._start(instance_id, outcome)
            job = self._wait(instance_id, outcome.backup_job_id)
        except GiveUp as e:
            outcome.status = "QuotaExhausted" if e.code == "Exceeded.BackupTimes" else "Error"
            outcome.detail = str(e)
            return outcome
        if job is None:
            outcome.status = "TimedOut"
            outcome.detail = f"still running after {self.settings.job_timeout:g} s"
        elif job.backup_status == "Finished":
            outcome.status = "Success"
            outcome.backup_id = job.backup_id
        else:
            outcome.status = "Failed"
            outcome.detail = f"job {job.backup_job_id} ended {job.backup_status}"
        return outcome

    # ---------------------------------------------------------------- the steps

    def _start(self, instance_id: str, outcome: Outcome) -> str:
        request = rds.CreateBackupRequest(dbinstance_id=instance_id, backup_method=self.settings.method)
        backoff = self.settings.first_backoff
        maybe_applied = False  # an earlier attempt may have started the job
        last = "no attempt"
        while outcome.attempts < self.settings.max_attempts:
            outcome.attempts += 1
            try:
                return str(self.client.create_backup(request).body.backup_job_id)
            except Exception as error:
                answer = answer_of(error)
                if answer is None or answer[0] >= 500:
                    # No answer, or the server failed after (perhaps) applying it.
                    maybe_applied = True
                    last = "no answer" if answer is None else answer[1]
                elif answer[1] == "Throttling.User":
                    last = answer[1]
                elif answer[1] == "BackupJobExists":
                    active = self._active_jobs(instance_id)
                    mine = [j for j in active if j.job_mode == "Manual"]
                    if maybe_applied and mine:
                        outcome.adopted = True
                        return str(mine[0].backup_job_id)
                    self._wait_until_idle(instance_id)
                    last = answer[1]
                    continue  # the instance is free now: no back-off needed
                else:
                    raise GiveUp(answer[1], str(getattr(error, "message", error))) from error
            self.sleep(backoff)
            backoff *= 2
        raise GiveUp(last, f"CreateBackup failed {outcome.attempts} times")

    def _active_jobs(self, instance_id: str) -> List[Any]:
        request = rds.DescribeBackupTasksRequest(dbinstance_id=instance_id)
        items = self._call(self.client.describe_backup_tasks, request).body.items
        return list(items.backup_job or []) if items else []

    def _wait_until_idle(self, instance_id: str) -> None:
        waited = 0.0
        while self._active_jobs(instance_id):
            if waited >= self.settings.job_timeout:
                raise GiveUp("BackupJobExists", f"another job held the instance for {waited:g} s")
            self.sleep(self.settings.poll_interval)
            waited += self.settings.poll_interval

    def _wait(self, instance_id: str, job_id: str) -> Optional[Any]:
        """The job once it ended, or None after `job_timeout`."""
        waited = 0.0
        while True:
            request = rds.DescribeBackupTasksRequest(dbinstance_id=instance_id, backup_job_id=job_id)
            items = self._call(self.client.describe_backup_tasks, request).body.items
            jobs = list(items.backup_job or []) if items else []
            if jobs and jobs[0].backup_status in ENDED:
                return jobs[0]
            if waited >= self.settings.job_timeout:
                return None
            self.sleep(self.settings.poll_interval)
            waited += self.settings.poll_interval

    def _call(self, method: Callable[[Any], Any], request: Any) -> Any:
        """A read: retried on throttling, a 5xx or no answer (reads change nothing)."""
        backoff = self.settings.first_backoff
        for attempt in range(1, self.settings.max_attempts + 1):
            try:
                return method(request)
            except Exception as error:
                answer = answer_of(error)
                retryable = answer is None or answer[0] >= 500 or answer[1] == "Throttling.User"
                if not retryable:
                    raise GiveUp(answer[1], str(getattr(error, "message", error))) from error
                if attempt == self.settings.max_attempts:
                    raise GiveUp("no answer" if answer is None else answer[1], f"{attempt} attempts") from error
            self.sleep(backoff)
            backoff *= 2
        raise AssertionError("unreachable: the loop returns or raises")


def summary(outcomes: List[Outcome]) -> Dict[str, int]:
    """How many instances ended in each status."""
    counts: Dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts


def main() -> None:  # pragma: no cover - the production entry point
    from alibabacloud_rds20140815.client import Client
    from alibabacloud_tea_openapi.models import Config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default="rds.aliyuncs.com")
    parser.add_argument("--region", default="cn-hangzhou")
    args = parser.parse_args()
    client = Client(
        Config(
            access_key_id=os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
            access_key_secret=os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
            region_id=args.region,
            endpoint=args.endpoint,
        )
    )
    outcomes = BackupJob(client, args.region).run()
    for outcome in outcomes:
        print(outcome)
    print(summary(outcomes))


if __name__ == "__main__":
    main()
