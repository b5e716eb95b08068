// The official Node SDK (@alicloud/rds20140815 on @alicloud/openapi-core) against
// rds-backup-sim serve, with its default (V3) signature. Run by tests/sdk/run.sh.
// Issue 13: DescribeDBInstances filtered by Engine over 250 instances, DescribeRegions
// answered Sim.NotImplemented 501, a random key against the --accept-any-key server.
// Issue 14: faults with retries off (Throttling, InternalError After, Timeout as ReadTimeout).
// Usage: node sdk_test.js HOST:PORT ANY_KEY_HOST:PORT. Prints "N passed, M failed".
'use strict';

const http = require('http');
const Rds = require('@alicloud/rds20140815');
const OpenApi = require('@alicloud/openapi-core');
const $dara = require('@darabonba/typescript');

const endpoint = process.argv[2];
const anyKeyEndpoint = process.argv[3];
const [host, port] = endpoint.split(':');
const results = { passed: 0, failed: 0 };

/** POSTs `body` to a control-plane `path` of `target` (HOST:PORT); resolves the text. */
function post(path, body, target = endpoint) {
  const [h, p] = target.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host: h, port: p, path, method: 'POST',
      headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve(data));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function sim(line, target = endpoint) {
  return JSON.parse(await post('/_sim/action', JSON.stringify(line), target));
}

function client(accessKeyId = 'testid', accessKeySecret = 'testsecret', target = endpoint, extra = {}) {
  return new Rds.default(new OpenApi.$OpenApiUtil.Config({
    accessKeyId, accessKeySecret, regionId: 'cn-hangzhou', endpoint: target, protocol: 'http', ...extra,
  }));
}

function equal(got, want, what) {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}

// The SDK throws ClientError for a 4xx answer and ServerError for a 5xx one (ThrottlingError
// for Throttling.User: pass `cls`).
async function expectError(call, code, statusCode, cls = statusCode >= 500 ? OpenApi.ServerError : OpenApi.ClientError) {
  try {
    await call();
  } catch (e) {
    if (!(e instanceof cls)) throw new Error(`not a ${cls.name}: ${e}`);
    equal(e.code, code, 'code');
    equal(e.statusCode, statusCode, 'statusCode');
    return e;
  }
  throw new Error(`no ${cls.name}, expected ${code}`);
}

async function check(name, fn) {
  try {
    await fn();
    results.passed += 1;
    console.log(`ok   node SDK (default V3): ${name}`);
  } catch (e) {
    results.failed += 1;
    console.log(`FAIL node SDK (default V3): ${name}\n${e.stack || e}`);
  }
}

async function main() {
  const inst = 'rm-node';
  const c = client();
  const state = {};
  await check('setup', async () => {
    const a = await sim({ Action: 'Sim.CreateInstance', DBInstanceId: inst, Engine: 'MySQL' });
    equal(a.HttpStatus, 200, 'Sim.CreateInstance');
  });
  await check('CreateBackup', async () => {
    const r = await c.createBackup(new Rds.CreateBackupRequest({ DBInstanceId: inst, backupMethod: 'Physical' }));
    equal(r.statusCode, 200, 'status');
    if (!r.body.backupJobId) throw new Error('no backupJobId');
    equal(r.body.requestId.length, 36, 'request id length');
    state.job = r.body.backupJobId;
  });
  await check('DescribeBackupTasks', async () => {
    const r = await c.describeBackupTasks(new Rds.DescribeBackupTasksRequest({ DBInstanceId: inst }));
    equal(r.body.items.backupJob.map((j) => j.backupJobId), [state.job], 'jobs');
    equal(r.body.items.backupJob[0].jobMode, 'Manual', 'job mode');
  });
  await check('BackupJobExists', () => expectError(
    () => c.createBackup(new Rds.CreateBackupRequest({ DBInstanceId: inst })), 'BackupJobExists', 400));
  await check('DescribeBackups', async () => {
    await sim({ Action: 'Sim.AdvanceTime', Seconds: 700 });
    const r = await c.describeBackups(new Rds.DescribeBackupsRequest({ DBInstanceId: inst }));
    equal(r.body.items.backup.length, 1, 'backups');
    equal(r.body.items.backup[0].backupStatus, 'Success', 'status');
    equal(r.body.totalRecordCount, '1', 'total');
  });
  await check('Exceeded.BackupTimes', async () => {
    await sim({ Action: 'Sim.Configure', DailyBackupLimit: 0 });
    try {
      await expectError(() => c.createBackup(new Rds.CreateBackupRequest({ DBInstanceId: inst })),
        'Exceeded.BackupTimes', 403);
    } finally {
      await sim({ Action: 'Sim.Configure', DailyBackupLimit: 20 });
    }
  });
  await check('InvalidDBInstanceName.NotFound', () => expectError(
    () => c.createBackup(new Rds.CreateBackupRequest({ DBInstanceId: 'rm-missing' })),
    'InvalidDBInstanceName.NotFound', 404));
  await check('SignatureDoesNotMatch', () => expectError(
    () => client('testid', 'wrong').describeBackups(new Rds.DescribeBackupsRequest({ DBInstanceId: inst })),
    'SignatureDoesNotMatch', 400));
  await check('InvalidAccessKeyId.NotFound', () => expectError(
    () => client('nobody', 'x').describeBackups(new Rds.DescribeBackupsRequest({ DBInstanceId: inst })),
    'InvalidAccessKeyId.NotFound', 404));
  await check('Forbidden.RAM with accessDeniedDetail (user declared through the control plane)', async () => {
    const a = await sim({ Action: 'Sim.PutIdentity', AccountId: '1000000000000001', UserName: 'node',
      AccessKeyId: 'ak-node', AccessKeySecret: 's-node', Policies: [{ Version: '1', Statement: [] }] });
    equal(a.HttpStatus, 200, 'Sim.PutIdentity');
    const e = await expectError(
      () => client('ak-node', 's-node').createBackup(new Rds.CreateBackupRequest({ DBInstanceId: inst })),
      'Forbidden.RAM', 403);
    const d = e.accessDeniedDetail || {};
    equal([d.AuthAction, d.NoPermissionType, d.AuthPrincipalDisplayName],
      ['rds:CreateBackup', 'ImplicitDeny', 'node'], 'accessDeniedDetail');
  });
  await issue13(c);
  await faults();
  console.log(`${results.passed} passed, ${results.failed} failed`);
  process.exitCode = results.failed ? 1 : 0;
}

async function issue13(c) {
  const region = 'cn-node-list';
  const ids = Array.from({ length: 250 }, (_, i) => `rm-node-${String(i).padStart(3, '0')}`);
  const engineOf = (i) => (i % 5 === 0 ? 'PostgreSQL' : 'MySQL');
  await check('setup: 250 instances, every fifth PostgreSQL', async () => {
    const lines = ids.map((id, i) => JSON.stringify({ Action: 'Sim.CreateInstance', DBInstanceId: id,
      Engine: engineOf(i), RegionId: region }));
    const answers = (await post('/_sim/replay', lines.join('\n'))).trim().split('\n').map((l) => JSON.parse(l));
    equal(answers.map((a) => a.HttpStatus), ids.map(() => 200), 'answers');
  });
  const list = async (engine) => {
    const seen = [];
    for (let page = 1; ; page += 1) {
      const r = await c.describeDBInstances(new Rds.DescribeDBInstancesRequest({
        regionId: region, engine, pageSize: 100, pageNumber: page }));
      const items = r.body.items.DBInstance;
      if (items.length === 0) return { seen, total: r.body.totalRecordCount };
      items.forEach((i) => equal(i.engine, engine, `engine of ${i.DBInstanceId}`));
      seen.push(...items.map((i) => i.DBInstanceId));
    }
  };
  await check('DescribeDBInstances filtered by Engine', async () => {
    const pg = await list('PostgreSQL');
    equal(pg.total, 50, 'PostgreSQL total');
    equal(pg.seen, ids.filter((_, i) => engineOf(i) === 'PostgreSQL'), 'PostgreSQL instances in creation order');
    const my = await list('MySQL');
    equal(my.total, 200, 'MySQL total');
    equal(my.seen, ids.filter((_, i) => engineOf(i) === 'MySQL'), 'MySQL instances in creation order');
  });
  await check('DescribeDBInstances by NextToken', async () => {
    const seen = [];
    let nextToken;
    do {
      const r = await c.describeDBInstances(new Rds.DescribeDBInstancesRequest({
        regionId: region, engine: 'PostgreSQL', maxResults: 20, nextToken }));
      seen.push(...r.body.items.DBInstance.map((i) => i.DBInstanceId));
      ({ nextToken } = r.body);
    } while (nextToken);
    equal(seen, ids.filter((_, i) => engineOf(i) === 'PostgreSQL'), 'PostgreSQL instances');
  });
  await check('DescribeDBInstances with a bad Engine: InvalidParameters.Format 400', () => expectError(
    () => c.describeDBInstances(new Rds.DescribeDBInstancesRequest({ regionId: region, engine: 'Oracle' })),
    'InvalidParameters.Format', 400));
  await check('DescribeRegions: Sim.NotImplemented 501', async () => {
    const e = await expectError(() => c.describeRegions(new Rds.DescribeRegionsRequest({})),
      'Sim.NotImplemented', 501);
    if (!String(e.message).includes('DescribeRegions is not emulated')) throw new Error(e.message);
  });
  await check('a random, never-declared key under --accept-any-key', async () => {
    if (!anyKeyEndpoint) throw new Error('run.sh passes the --accept-any-key server\'s endpoint');
    equal((await sim({ Action: 'Sim.CreateInstance', DBInstanceId: 'rm-node-any', Engine: 'MySQL' },
      anyKeyEndpoint)).HttpStatus, 200, 'Sim.CreateInstance');
    const key = `LTAI${Math.random().toString(16).slice(2, 14)}`;
    const secret = Math.random().toString(36).slice(2);
    const any = client(key, secret, anyKeyEndpoint);
    const r = await any.createBackup(new Rds.CreateBackupRequest({ DBInstanceId: 'rm-node-any' }));
    if (!r.body.backupJobId) throw new Error('no backupJobId');
    const t = await any.describeBackupTasks(new Rds.DescribeBackupTasksRequest({ DBInstanceId: 'rm-node-any' }));
    equal(t.body.items.backupJob.map((j) => j.backupJobId), [r.body.backupJobId], 'jobs');
    await expectError(() => client(key, secret).describeBackupTasks(
      new Rds.DescribeBackupTasksRequest({ DBInstanceId: 'rm-node-any' })), 'InvalidAccessKeyId.NotFound', 404);
  });
}

// Faults (faults.md) with the SDK's retries off (Config.retryOptions not retryable; it
// retries only when given retryable options) and a read timeout of 500 ms for the Timeout.
async function faults() {
  const inst = 'rm-node-faults';
  const noRetry = { retryOptions: new $dara.RetryOptions({ retryable: false }) };
  const c = client('testid', 'testsecret', endpoint, noRetry);
  const inject = async (line) => {
    const a = await sim({ Action: 'Sim.InjectFault', DBInstanceId: inst, Times: 1, ...line });
    equal(a.HttpStatus, 200, `Sim.InjectFault ${JSON.stringify(a)}`);
  };
  const tasks = async () => (await c.describeBackupTasks(
    new Rds.DescribeBackupTasksRequest({ DBInstanceId: inst }))).body.items.backupJob;
  await check('faults: setup', async () => {
    equal((await sim({ Action: 'Sim.CreateInstance', DBInstanceId: inst, Engine: 'MySQL' })).HttpStatus, 200,
      'Sim.CreateInstance');
  });
  await check('faults: a Throttling fault raises Throttling.User, the next call succeeds', async () => {
    await inject({ Fault: 'Throttling', Target: 'DescribeBackupTasks' });
    const e = await expectError(tasks, 'Throttling.User', 400, OpenApi.ThrottlingError);
    if (!String(e.message).includes('Request was denied due to user flow control.')) throw new Error(e.message);
    equal(await tasks(), [], 'the next call succeeds');
  });
  await check('faults: an InternalError After fault raises, DescribeBackupTasks shows the job', async () => {
    await inject({ Fault: 'InternalError', Target: 'CreateBackup', Phase: 'After' });
    await expectError(() => c.createBackup(new Rds.CreateBackupRequest({ DBInstanceId: inst })), 'InternalError', 500);
    equal((await tasks()).length, 1, 'the job the lost answer started');
  });
  await check('faults: a Timeout fault surfaces as the read timeout', async () => {
    await inject({ Fault: 'Timeout', Target: 'DescribeBackups', LatencyMs: 3000 });
    const started = Date.now();
    const request = new Rds.DescribeBackupsRequest({ DBInstanceId: inst });
    try {
      await c.describeBackupsWithOptions(request, new $dara.RuntimeOptions({ readTimeout: 500 }));
    } catch (e) {
      if (!/ReadTimeout/.test(`${e.name} ${e.message}`)) throw e;
      const held = Date.now() - started;
      if (held < 500) throw new Error(`raised after ${held} ms`);
      equal((await c.describeBackups(request)).statusCode, 200, 'the next call succeeds');
      return;
    }
    throw new Error('no read timeout');
  });
}

main().catch((e) => { console.log(`FAIL node SDK: ${e.stack || e}`); console.log('0 passed, 1 failed'); process.exitCode = 1; });
