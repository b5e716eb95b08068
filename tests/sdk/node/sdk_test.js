// The official Node SDK (@alicloud/rds20140815 on @alicloud/openapi-core) against
// rds-backup-sim serve, with its default (V3) signature. Run by tests/sdk/run.sh.
// Usage: node sdk_test.js HOST:PORT. Prints "N passed, M failed".
'use strict';

const http = require('http');
const Rds = require('@alicloud/rds20140815');
const OpenApi = require('@alicloud/openapi-core');

const endpoint = process.argv[2];
const [host, port] = endpoint.split(':');
const results = { passed: 0, failed: 0 };

function sim(line) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(line);
    const req = http.request({ host, port, path: '/_sim/action', method: 'POST',
      headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve(JSON.parse(data)));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function client(accessKeyId = 'testid', accessKeySecret = 'testsecret') {
  return new Rds.default(new OpenApi.$OpenApiUtil.Config({
    accessKeyId, accessKeySecret, regionId: 'cn-hangzhou', endpoint, protocol: 'http',
  }));
}

function equal(got, want, what) {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}

async function expectError(call, code, statusCode) {
  try {
    await call();
  } catch (e) {
    if (!(e instanceof OpenApi.ClientError)) throw new Error(`not a ClientError: ${e}`);
    equal(e.code, code, 'code');
    equal(e.statusCode, statusCode, 'statusCode');
    return e;
  }
  throw new Error(`no ClientError, expected ${code}`);
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
  console.log(`${results.passed} passed, ${results.failed} failed`);
  process.exitCode = results.failed ? 1 : 0;
}

main().catch((e) => { console.log(`FAIL node SDK: ${e.stack || e}`); console.log('0 passed, 1 failed'); process.exitCode = 1; });
