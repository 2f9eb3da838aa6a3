import t from 'tap';
import { spawn } from 'node:child_process';
import { readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataDirLockedError, LOCK_FILE_NAME, LOCK_UNWRITTEN_GRACE_MS, lockDataDir, processIsAlive } from '../../../server/data-dir/lock.js';
import { tempDir } from '../../helpers/server.js';

/** The pid of a process that has exited (so certainly not running now). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

t.test('one holder at a time; released locks can be taken again', async (t) => {
  const dir = await tempDir('lock');
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const lock = await lockDataDir(dir);
  t.equal((await readFile(join(dir, LOCK_FILE_NAME), 'utf8')).trim(), String(process.pid), 'the lock names its holder');
  const error = await lockDataDir(dir).catch((e: unknown) => e);
  t.type(error, DataDirLockedError);
  t.equal((error as DataDirLockedError).ownerPid, process.pid);
  t.match((error as Error).message, new RegExp(`Data dir .* is in use by process ${process.pid}`));
  await lock.release();
  await lock.release();
  const again = await lockDataDir(dir);
  await again.release();
  t.pass('taken again after release');
});

t.test('a lock left by a dead process is taken over', async (t) => {
  const dir = await tempDir('lock');
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const pid = await deadPid();
  t.notOk(processIsAlive(pid));
  await writeFile(join(dir, LOCK_FILE_NAME), `${pid}\n`);
  const lock = await lockDataDir(dir);
  t.equal((await readFile(lock.path, 'utf8')).trim(), String(process.pid));
  await lock.release();
});

t.test('a lock held by another live process is refused', async (t) => {
  const dir = await tempDir('lock');
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  t.teardown(() => holder.kill('SIGKILL'));
  await writeFile(join(dir, LOCK_FILE_NAME), `${holder.pid}\n`);
  const error = await lockDataDir(dir).catch((e: unknown) => e);
  t.type(error, DataDirLockedError);
  t.equal((error as DataDirLockedError).ownerPid, holder.pid);
});

t.test('an empty lock file is being written: held while fresh, stale when old', async (t) => {
  const dir = await tempDir('lock');
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, LOCK_FILE_NAME);
  await writeFile(path, '');
  const error = await lockDataDir(dir).catch((e: unknown) => e);
  t.type(error, DataDirLockedError, 'a just-created lock is not stolen');
  t.equal((error as DataDirLockedError).ownerPid, undefined);
  t.match((error as Error).message, /in use by another process/);

  const old = (Date.now() - LOCK_UNWRITTEN_GRACE_MS - 1_000) / 1000;
  await utimes(path, old, old);
  const lock = await lockDataDir(dir);
  t.equal((await readFile(path, 'utf8')).trim(), String(process.pid), 'an old empty lock is taken over');
  await lock.release();
});
