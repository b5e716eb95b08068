"""The official Python SDKs against rds-backup-sim serve (run by tests/sdk/run.sh).

Drives CreateBackup, DescribeBackupTasks and DescribeBackups through:
  - alibabacloud-rds20140815 with its default V3 signature, and with signature_algorithm="v2";
  - aliyun-python-sdk-rds (aliyun-python-sdk-core) over POST and over GET;
checks the typed results, and that each SDK raises its own exception type carrying our code
and HTTP status. RAM (docs/rules.md, "RAM authorization"): users declared through the control plane, the
README's example policy (examples/ram-policy.jsonl) allowed on env=test and denied on
env=prod, and Forbidden.RAM surfaced with its access_denied_detail. Issue 13:
describe_dbinstances pages through 250 instances by PageNumber and by NextToken, an action
that is not emulated (describe_regions) raises Sim.NotImplemented 501, and a random,
never-declared key works against a second server started with --accept-any-key. Issue 14:
with the SDKs' retries off, a Throttling fault raises Throttling.User and the next call
succeeds, an InternalError After fault raises and DescribeBackupTasks shows the job, and a
Timeout fault surfaces as the SDK's read timeout. Prints "N passed, M failed".

Usage: sdk_test.py HOST:PORT ANY_KEY_HOST:PORT
"""

import json
import pathlib
import sys
import traceback
import urllib.request

ENDPOINT = sys.argv[1]
ANY_KEY_ENDPOINT = sys.argv[2] if len(sys.argv) > 2 else None
AK, SK = "testid", "testsecret"
RESULTS = {"passed": 0, "failed": 0}


def sim(line, endpoint=None):
    """One control-plane line; returns the scenario answer."""
    req = urllib.request.Request(
        f"http://{endpoint or ENDPOINT}/_sim/action", data=json.dumps(line).encode(), method="POST"
    )
    try:
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read())


def check(name, fn):
    try:
        fn()
        RESULTS["passed"] += 1
        print(f"ok   {name}")
    except Exception:  # noqa: BLE001 - a failing check of any kind is reported, not raised
        RESULTS["failed"] += 1
        print(f"FAIL {name}")
        traceback.print_exc()


def expect_equal(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


# ---------------------------------------------------------------- new SDK (tea-openapi)

def new_client(secret=SK, key=AK, algorithm=None, endpoint=None, **config_fields):
    from alibabacloud_tea_openapi.models import Config
    from alibabacloud_rds20140815.client import Client

    config = Config(
        access_key_id=key,
        access_key_secret=secret,
        region_id="cn-hangzhou",
        endpoint=endpoint or ENDPOINT,
        protocol="http",
        **config_fields,
    )
    if algorithm:
        config.signature_algorithm = algorithm
    return Client(config)


def new_sdk_error_class():
    try:
        from alibabacloud_tea_openapi.exceptions import ClientException

        return ClientException
    except ImportError:
        from Tea.exceptions import TeaException

        return TeaException


def new_sdk_server_error_class():
    """The new SDK's exception for a 5xx answer (ServerException; older SDKs: TeaException)."""
    try:
        from alibabacloud_tea_openapi.exceptions import ServerException

        return ServerException
    except ImportError:
        from Tea.exceptions import TeaException

        return TeaException


def new_expect_error(call, code, status):
    """Asserts `call` raises the new SDK's exception with `code` and `status`; returns it.
    The SDK raises ClientException for a 4xx answer and ServerException for a 5xx one."""
    cls = new_sdk_server_error_class() if status >= 500 else new_sdk_error_class()
    try:
        call()
    except cls as e:
        got_status = getattr(e, "status_code", None)
        if got_status is None:
            got_status = (getattr(e, "data", None) or {}).get("statusCode")
        expect_equal(e.code, code, "code")
        expect_equal(got_status, status, "status")
        return e
    raise AssertionError(f"no {cls.__name__} raised, expected {code}")


def new_sdk_suite(label, algorithm):
    from alibabacloud_rds20140815 import models as m

    inst = f"rm-{label}"
    client = new_client(algorithm=algorithm)
    state = {}

    def setup():
        answer = sim({"Action": "Sim.CreateInstance", "DBInstanceId": inst, "Engine": "MySQL", "Databases": ["db1"]})
        expect_equal(answer["HttpStatus"], 200, "Sim.CreateInstance")

    def create_backup():
        r = client.create_backup(m.CreateBackupRequest(dbinstance_id=inst, backup_method="Physical"))
        expect_equal(r.status_code, 200, "status")
        if not r.body.backup_job_id:
            raise AssertionError("no backup_job_id")
        if len(r.body.request_id) != 36:
            raise AssertionError(f"request id {r.body.request_id!r}")
        state["job"] = r.body.backup_job_id

    def describe_backup_tasks():
        r = client.describe_backup_tasks(m.DescribeBackupTasksRequest(dbinstance_id=inst))
        jobs = r.body.items.backup_job
        expect_equal([j.backup_job_id for j in jobs], [state["job"]], "jobs")
        expect_equal(jobs[0].job_mode, "Manual", "job mode")

    def backup_job_exists():
        new_expect_error(
            lambda: client.create_backup(m.CreateBackupRequest(dbinstance_id=inst)), "BackupJobExists", 400
        )

    def describe_backups():
        sim({"Action": "Sim.AdvanceTime", "Seconds": 700})
        r = client.describe_backups(m.DescribeBackupsRequest(dbinstance_id=inst))
        backups = r.body.items.backup
        expect_equal(len(backups), 1, "backups")
        expect_equal(backups[0].backup_status, "Success", "backup status")
        expect_equal(backups[0].backup_mode, "Manual", "backup mode")
        expect_equal(r.body.total_record_count, "1", "total")

    def exceeded_backup_times():
        sim({"Action": "Sim.Configure", "DailyBackupLimit": 0})
        try:
            new_expect_error(
                lambda: client.create_backup(m.CreateBackupRequest(dbinstance_id=inst)), "Exceeded.BackupTimes", 403
            )
        finally:
            sim({"Action": "Sim.Configure", "DailyBackupLimit": 20})

    def instance_not_found():
        new_expect_error(
            lambda: client.create_backup(m.CreateBackupRequest(dbinstance_id="rm-missing")),
            "InvalidDBInstanceName.NotFound",
            404,
        )

    def wrong_secret():
        bad = new_client(secret="wrong", algorithm=algorithm)
        new_expect_error(
            lambda: bad.describe_backups(m.DescribeBackupsRequest(dbinstance_id=inst)), "SignatureDoesNotMatch", 400
        )

    def unknown_key():
        bad = new_client(key="nobody", algorithm=algorithm)
        new_expect_error(
            lambda: bad.describe_backups(m.DescribeBackupsRequest(dbinstance_id=inst)),
            "InvalidAccessKeyId.NotFound",
            404,
        )

    for name, fn in [
        ("setup", setup),
        ("CreateBackup", create_backup),
        ("DescribeBackupTasks", describe_backup_tasks),
        ("BackupJobExists", backup_job_exists),
        ("DescribeBackups", describe_backups),
        ("Exceeded.BackupTimes", exceeded_backup_times),
        ("InvalidDBInstanceName.NotFound", instance_not_found),
        ("SignatureDoesNotMatch", wrong_secret),
        ("InvalidAccessKeyId.NotFound", unknown_key),
    ]:
        check(f"python new SDK ({label}): {name}", fn)


# ---------------------------------------------------------------- old SDK (aliyunsdkcore)

def old_suite(method):
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkrds.request.v20140815.CreateBackupRequest import CreateBackupRequest
    from aliyunsdkrds.request.v20140815.DescribeBackupsRequest import DescribeBackupsRequest
    from aliyunsdkrds.request.v20140815.DescribeBackupTasksRequest import DescribeBackupTasksRequest

    label = f"old-{method.lower()}"
    inst = f"rm-{label}"
    client = AcsClient(AK, SK, "cn-hangzhou")
    state = {}

    def prepare(req, instance=inst):
        req.set_endpoint(ENDPOINT)
        req.set_method(method)
        req.set_DBInstanceId(instance)
        return req

    def call(req, c=client):
        return json.loads(c.do_action_with_exception(req))

    def expect_error(req, code, status, c=client):
        try:
            call(req, c)
        except ServerException as e:
            expect_equal(e.get_error_code(), code, "code")
            expect_equal(e.get_http_status(), status, "status")
            return
        raise AssertionError(f"no ServerException raised, expected {code}")

    def setup():
        answer = sim({"Action": "Sim.CreateInstance", "DBInstanceId": inst, "Engine": "MySQL"})
        expect_equal(answer["HttpStatus"], 200, "Sim.CreateInstance")

    def create_backup():
        r = call(prepare(CreateBackupRequest()))
        if not r.get("BackupJobId"):
            raise AssertionError(f"no BackupJobId in {r}")
        state["job"] = r["BackupJobId"]

    def describe_backup_tasks():
        r = call(prepare(DescribeBackupTasksRequest()))
        expect_equal([j["BackupJobId"] for j in r["Items"]["BackupJob"]], [state["job"]], "jobs")

    def backup_job_exists():
        expect_error(prepare(CreateBackupRequest()), "BackupJobExists", 400)

    def describe_backups():
        sim({"Action": "Sim.AdvanceTime", "Seconds": 700})
        r = call(prepare(DescribeBackupsRequest()))
        expect_equal(len(r["Items"]["Backup"]), 1, "backups")
        expect_equal(r["Items"]["Backup"][0]["BackupStatus"], "Success", "status")

    def exceeded_backup_times():
        sim({"Action": "Sim.Configure", "DailyBackupLimit": 0})
        try:
            expect_error(prepare(CreateBackupRequest()), "Exceeded.BackupTimes", 403)
        finally:
            sim({"Action": "Sim.Configure", "DailyBackupLimit": 20})

    def instance_not_found():
        expect_error(prepare(CreateBackupRequest(), "rm-missing"), "InvalidDBInstanceName.NotFound", 404)

    def wrong_secret():
        # aliyunsdkcore compares its own string to sign with ours and renames the code.
        bad = AcsClient(AK, "wrong", "cn-hangzhou")
        expect_error(prepare(DescribeBackupsRequest()), "InvalidAccessKeySecret", 400, bad)

    def unknown_key():
        bad = AcsClient("nobody", SK, "cn-hangzhou")
        expect_error(prepare(DescribeBackupsRequest()), "InvalidAccessKeyId.NotFound", 404, bad)

    for name, fn in [
        ("setup", setup),
        ("CreateBackup", create_backup),
        ("DescribeBackupTasks", describe_backup_tasks),
        ("BackupJobExists", backup_job_exists),
        ("DescribeBackups", describe_backups),
        ("Exceeded.BackupTimes", exceeded_backup_times),
        ("InvalidDBInstanceName.NotFound", instance_not_found),
        ("InvalidAccessKeySecret", wrong_secret),
        ("InvalidAccessKeyId.NotFound", unknown_key),
    ]:
        check(f"python old SDK ({method}): {name}", fn)


# ---------------------------------------------------------------- RAM (ram.md)

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "ram-policy.jsonl"
ACCOUNT = "1234567890123456"


def example_setup_lines():
    """The README example's Sim.* lines: rm-test (env=test), rm-prod (env=prod), user team."""
    lines = [json.loads(l) for l in EXAMPLE.read_text().splitlines() if l.startswith("{")]
    return [l for l in lines if l["Action"].startswith("Sim.")]


def expect_denied(call, action, user, kind):
    """Forbidden.RAM (403) with the AccessDeniedDetail the new SDK exposes."""
    e = new_expect_error(call, "Forbidden.RAM", 403)
    detail = getattr(e, "access_denied_detail", None) or {}
    expect_equal(detail.get("AuthAction"), f"rds:{action}", "AuthAction")
    expect_equal(detail.get("NoPermissionType"), kind, "NoPermissionType")
    expect_equal(detail.get("AuthPrincipalDisplayName"), user, "AuthPrincipalDisplayName")
    expect_equal(detail.get("AuthPrincipalOwnerId"), ACCOUNT, "AuthPrincipalOwnerId")
    expect_equal(detail.get("PolicyType"), "AccountLevelIdentityBasedPolicy", "PolicyType")


def ram_suite():
    from alibabacloud_rds20140815 import models as m

    team = {line["UserName"]: line for line in example_setup_lines() if "UserName" in line}["team"]
    v3 = new_client(key=team["AccessKeyId"], secret=team["AccessKeySecret"])
    v2 = new_client(key=team["AccessKeyId"], secret=team["AccessKeySecret"], algorithm="v2")
    ops = new_client(key="ak-sdk-ops", secret="s-sdk-ops")
    state = {}

    def setup():
        for line in example_setup_lines():
            expect_equal(sim(line)["HttpStatus"], 200, line["Action"])
        answer = sim({
            "Action": "Sim.PutIdentity", "AccountId": ACCOUNT, "UserName": "ops",
            "AccessKeyId": "ak-sdk-ops", "AccessKeySecret": "s-sdk-ops",
            "Policies": [{"Version": "1", "Statement": [
                {"Effect": "Allow", "Action": "rds:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "rds:CreateBackup", "Resource": "acs:rds:*:*:dbinstance/rm-prod"},
            ]}],
        })
        expect_equal(answer["HttpStatus"], 200, "Sim.PutIdentity")

    def example_allowed_on_env_test():
        r = v3.create_backup(m.CreateBackupRequest(dbinstance_id="rm-test"))
        expect_equal(r.status_code, 200, "status")
        state["job"] = r.body.backup_job_id
        r = v2.describe_backup_tasks(m.DescribeBackupTasksRequest(dbinstance_id="rm-test"))
        expect_equal([j.backup_job_id for j in r.body.items.backup_job], [state["job"]], "jobs")

    def example_denied_on_env_prod():
        expect_denied(
            lambda: v3.create_backup(m.CreateBackupRequest(dbinstance_id="rm-prod")),
            "CreateBackup", "team", "ImplicitDeny",
        )
        expect_denied(
            lambda: v2.describe_backups(m.DescribeBackupsRequest(dbinstance_id="rm-prod")),
            "DescribeBackups", "team", "ImplicitDeny",
        )

    def explicit_deny():
        expect_denied(
            lambda: ops.create_backup(m.CreateBackupRequest(dbinstance_id="rm-prod")),
            "CreateBackup", "ops", "ExplicitDeny",
        )
        r = ops.describe_backup_tasks(m.DescribeBackupTasksRequest(dbinstance_id="rm-prod"))
        expect_equal(r.body.items.backup_job, [], "jobs on rm-prod")

    def other_account_unknown():
        # The default account's root (testid) does not see account 1234567890123456's instance.
        new_expect_error(
            lambda: new_client().create_backup(m.CreateBackupRequest(dbinstance_id="rm-test")),
            "InvalidDBInstanceName.NotFound",
            404,
        )

    for name, fn in [
        ("setup (README example through the control plane)", setup),
        ("README policy allows env=test", example_allowed_on_env_test),
        ("README policy denies env=prod: Forbidden.RAM ImplicitDeny", example_denied_on_env_prod),
        ("Forbidden.RAM ExplicitDeny", explicit_deny),
        ("another account's instance is unknown", other_account_unknown),
    ]:
        check(f"python new SDK (RAM): {name}", fn)


# ---------------------------------------------------------------- issue 13

PAGING_REGION = "cn-paging"


def replay(lines, endpoint=None):
    """Applies JSON Lines through /_sim/replay; returns the answers."""
    body = "\n".join(json.dumps(line) for line in lines).encode()
    req = urllib.request.Request(f"http://{endpoint or ENDPOINT}/_sim/replay", data=body, method="POST")
    with urllib.request.urlopen(req) as r:
        return [json.loads(line) for line in r.read().decode().splitlines()]


def issue13_suite():
    from alibabacloud_rds20140815 import models as m

    client = new_client()
    ids = [f"rm-page-{i:03d}" for i in range(250)]

    def setup():
        answers = replay([
            {"Action": "Sim.CreateInstance", "DBInstanceId": i, "Engine": "PostgreSQL" if n % 5 == 0 else "MySQL",
             "RegionId": PAGING_REGION}
            for n, i in enumerate(ids)
        ])
        expect_equal([a["HttpStatus"] for a in answers], [200] * 250, "250 instances")

    def by_page_number():
        seen, number = [], 1
        while True:
            r = client.describe_dbinstances(m.DescribeDBInstancesRequest(
                region_id=PAGING_REGION, page_size=100, page_number=number))
            expect_equal(r.body.total_record_count, 250, "total")
            expect_equal(r.body.page_number, number, "page number")
            page = [i.dbinstance_id for i in r.body.items.dbinstance]
            expect_equal(r.body.page_record_count, len(page), "page record count")
            if not page:
                break
            seen += page
            number += 1
        expect_equal(seen, ids, "every instance once, in creation order")
        expect_equal(number, 4, "three pages then an empty one")

    def by_next_token():
        seen, token, calls = [], None, 0
        while True:
            r = client.describe_dbinstances(m.DescribeDBInstancesRequest(
                region_id=PAGING_REGION, max_results=100, next_token=token))
            calls += 1
            expect_equal(r.body.total_record_count, 250, "total")
            seen += [i.dbinstance_id for i in r.body.items.dbinstance]
            token = r.body.next_token
            if not token:
                break
        expect_equal(seen, ids, "every instance once, in creation order")
        expect_equal(calls, 3, "calls")
        first = client.describe_dbinstances(m.DescribeDBInstancesRequest(
            region_id=PAGING_REGION, dbinstance_id=ids[0])).body.items.dbinstance[0]
        expect_equal((first.engine, first.pay_type, first.dbinstance_description), ("PostgreSQL", "Postpaid", ids[0]), "fields")
        if not first.create_time or not first.create_time.endswith("Z"):
            raise AssertionError(f"create_time {first.create_time!r}")

    def bad_next_token():
        new_expect_error(lambda: client.describe_dbinstances(m.DescribeDBInstancesRequest(
            region_id=PAGING_REGION, max_results=10, next_token="not-a-token")), "Invalid.NextToken", 400)

    def not_implemented():
        e = new_expect_error(lambda: client.describe_regions(m.DescribeRegionsRequest()), "Sim.NotImplemented", 501)
        if "DescribeRegions is not emulated" not in str(e.message):
            raise AssertionError(e.message)
        e = new_expect_error(
            lambda: new_client(algorithm="v2").describe_regions(m.DescribeRegionsRequest()), "Sim.NotImplemented", 501)

    def old_sdk_not_implemented():
        from aliyunsdkcore.acs_exception.exceptions import ServerException
        from aliyunsdkcore.client import AcsClient
        from aliyunsdkrds.request.v20140815.DescribeRegionsRequest import DescribeRegionsRequest

        req = DescribeRegionsRequest()
        req.set_protocol_type("http")
        req.set_endpoint(ENDPOINT)
        try:
            AcsClient(AK, SK, "cn-hangzhou").do_action_with_exception(req)
        except ServerException as e:
            expect_equal((e.get_error_code(), e.get_http_status()), ("Sim.NotImplemented", 501), "old SDK")
            return
        raise AssertionError("no ServerException")

    def any_key():
        import uuid

        if not ANY_KEY_ENDPOINT:
            raise AssertionError("run.sh passes the --accept-any-key server's endpoint")
        answer = sim({"Action": "Sim.CreateInstance", "DBInstanceId": "rm-any", "Engine": "MySQL"}, ANY_KEY_ENDPOINT)
        expect_equal(answer["HttpStatus"], 200, "Sim.CreateInstance")
        key, secret = f"LTAI{uuid.uuid4().hex[:16]}", uuid.uuid4().hex
        for algorithm in (None, "v2"):
            c = new_client(secret=secret, key=key, algorithm=algorithm, endpoint=ANY_KEY_ENDPOINT)
            r = c.describe_backup_tasks(m.DescribeBackupTasksRequest(dbinstance_id="rm-any"))
            expect_equal(r.status_code, 200, "status")
        r = new_client(secret=secret, key=key, endpoint=ANY_KEY_ENDPOINT).create_backup(
            m.CreateBackupRequest(dbinstance_id="rm-any"))
        if not r.body.backup_job_id:
            raise AssertionError("no backup_job_id")
        # The same random key is refused by a server without --accept-any-key.
        new_expect_error(lambda: new_client(secret=secret, key=key).describe_backup_tasks(
            m.DescribeBackupTasksRequest(dbinstance_id="rm-any")), "InvalidAccessKeyId.NotFound", 404)

    for name, fn in [
        ("setup: 250 instances in one region", setup),
        ("describe_dbinstances pages 250 instances by PageNumber", by_page_number),
        ("describe_dbinstances pages 250 instances by NextToken", by_next_token),
        ("describe_dbinstances with a bad NextToken: Invalid.NextToken 400", bad_next_token),
        ("describe_regions raises Sim.NotImplemented 501 (V3 and V2)", not_implemented),
        ("old SDK: DescribeRegions raises Sim.NotImplemented 501", old_sdk_not_implemented),
        ("a random, never-declared key under --accept-any-key (V3 and V2)", any_key),
    ]:
        check(f"python new SDK (issue 13): {name}", fn)


# ---------------------------------------------------------------- faults (faults.md)

def inject(line):
    """Declares a fault; returns its FaultId."""
    answer = sim(dict(line, Action="Sim.InjectFault"))
    expect_equal(answer["HttpStatus"], 200, f"Sim.InjectFault {answer}")
    return answer["FaultId"]


def expect_held(started, at_least):
    import time

    held = time.monotonic() - started
    if held < at_least:
        raise AssertionError(f"answered after {held:.2f} s, before the read timeout of {at_least} s")


def faults_suite():
    """Throttling, an InternalError After and a Timeout through the new SDK (retries off:
    Config(retry_options=RetryOptions({"retryable": False})), a read timeout of 500 ms in
    RuntimeOptions) and the old one (AcsClient(auto_retry=False, timeout=1))."""
    import time

    from alibabacloud_rds20140815 import models as m
    from darabonba.policy.retry import RetryOptions
    from darabonba.runtime import RuntimeOptions

    inst = "rm-faults"
    client = new_client(retry_options=RetryOptions({"retryable": False}))
    no_retry = RuntimeOptions()
    short_read = RuntimeOptions(read_timeout=500)  # milliseconds

    def tasks():
        r = client.describe_backup_tasks_with_options(m.DescribeBackupTasksRequest(dbinstance_id=inst), no_retry)
        return [j.backup_job_id for j in r.body.items.backup_job]

    def setup():
        answer = sim({"Action": "Sim.CreateInstance", "DBInstanceId": inst, "Engine": "MySQL"})
        expect_equal(answer["HttpStatus"], 200, "Sim.CreateInstance")

    def throttling():
        inject({"Fault": "Throttling", "Target": "DescribeBackupTasks", "DBInstanceId": inst, "Times": 1})
        e = new_expect_error(tasks, "Throttling.User", 400)
        if "Request was denied due to user flow control." not in str(e.message):
            raise AssertionError(e.message)
        expect_equal(tasks(), [], "the next call succeeds")

    def internal_error_after():
        inject({"Fault": "InternalError", "Target": "CreateBackup", "DBInstanceId": inst, "Times": 1,
                "Phase": "After"})
        new_expect_error(
            lambda: client.create_backup_with_options(m.CreateBackupRequest(dbinstance_id=inst), no_retry),
            "InternalError", 500)
        jobs = tasks()
        expect_equal(len(jobs), 1, f"the job the lost answer started: {jobs}")
        sim({"Action": "Sim.AdvanceTime", "Seconds": 700})

    def timeout():
        inject({"Fault": "Timeout", "Target": "DescribeBackups", "DBInstanceId": inst, "Times": 1,
                "LatencyMs": 3000})
        started = time.monotonic()
        try:
            client.describe_backups_with_options(m.DescribeBackupsRequest(dbinstance_id=inst), short_read)
        except Exception as e:  # noqa: BLE001 - the SDK's own type is checked below
            expect_read_timeout(e)
            expect_held(started, 0.5)
        else:
            raise AssertionError("no read timeout")
        r = client.describe_backups_with_options(m.DescribeBackupsRequest(dbinstance_id=inst), no_retry)
        expect_equal(len(r.body.items.backup), 1, "the next call succeeds")

    def old_sdk():
        from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
        from aliyunsdkcore.client import AcsClient
        from aliyunsdkrds.request.v20140815.DescribeBackupTasksRequest import DescribeBackupTasksRequest

        def request():
            req = DescribeBackupTasksRequest()
            req.set_endpoint(ENDPOINT)
            req.set_DBInstanceId(inst)
            return req

        old = AcsClient(AK, SK, "cn-hangzhou", auto_retry=False, max_retry_time=0, timeout=1)  # seconds
        inject({"Fault": "Throttling", "Target": "DescribeBackupTasks", "DBInstanceId": inst, "Times": 1})
        try:
            old.do_action_with_exception(request())
        except ServerException as e:
            expect_equal((e.get_error_code(), e.get_http_status()), ("Throttling.User", 400), "old SDK")
        else:
            raise AssertionError("no ServerException")
        json.loads(old.do_action_with_exception(request()))
        inject({"Fault": "Timeout", "Target": "DescribeBackupTasks", "DBInstanceId": inst, "Times": 1,
                "LatencyMs": 3000})
        started = time.monotonic()
        try:
            old.do_action_with_exception(request())
        except ClientException as e:
            expect_equal(e.get_error_code(), "SDK.HttpError", "old SDK code")
            if "Read timed out" not in e.get_error_msg():
                raise AssertionError(e.get_error_msg())
            expect_held(started, 1.0)
        else:
            raise AssertionError("no ClientException")

    for name, fn in [
        ("setup", setup),
        ("a Throttling fault raises Throttling.User, the next call succeeds", throttling),
        ("an InternalError After fault raises, DescribeBackupTasks shows the job", internal_error_after),
        ("a Timeout fault surfaces as the read timeout", timeout),
        ("old SDK: Throttling.User, then a Timeout as SDK.HttpError Read timed out", old_sdk),
    ]:
        check(f"python SDKs (faults): {name}", fn)


def expect_read_timeout(e):
    """The new SDK's read timeout: darabonba's UnretryableException, "Read timed out"."""
    from darabonba.exceptions import UnretryableException

    if isinstance(e, UnretryableException) and "Read timed out. (read timeout=0.5)" in str(e):
        return
    raise AssertionError(f"not a read timeout: {type(e).__name__}: {e}")


def main():
    new_sdk_suite("v3", None)
    new_sdk_suite("v2", "v2")
    old_suite("POST")
    old_suite("GET")
    ram_suite()
    issue13_suite()
    faults_suite()
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
