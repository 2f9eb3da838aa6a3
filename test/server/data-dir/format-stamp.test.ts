import t from 'tap';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkFormatStamp, CURRENT_FORMAT_STAMP, FORMAT_FILE_NAME, UnknownDataFormatError } from '../../../server/data-dir/format-stamp.js';
import { prepareDataDir } from '../../../server/data-dir/data-dir.js';
import { LOCK_FILE_NAME } from '../../../server/data-dir/lock.js';
import { tempDir } from '../../helpers/server.js';

t.test('a new dir is stamped; a stamped dir is accepted', async (t) => {
  const dir = await tempDir('stamp');
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.equal(CURRENT_FORMAT_STAMP, 'rangedb-data 1');
  t.equal(await checkFormatStamp(dir), CURRENT_FORMAT_STAMP);
  t.equal(await readFile(join(dir, FORMAT_FILE_NAME), 'utf8'), `${CURRENT_FORMAT_STAMP}\n`);
  t.equal(await checkFormatStamp(dir), CURRENT_FORMAT_STAMP, 'accepted on the next start');
});

t.test('an unknown stamp is refused with a clear message', async (t) => {
  const dir = await tempDir('stamp');
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, FORMAT_FILE_NAME), 'rangedb-data 99\n');
  const error = await checkFormatStamp(dir).catch((e: unknown) => e);
  t.type(error, UnknownDataFormatError);
  t.match((error as Error).message, /has format 'rangedb-data 99'.*reads only 'rangedb-data 1'/);
  t.equal(await readFile(join(dir, FORMAT_FILE_NAME), 'utf8'), 'rangedb-data 99\n', 'the stamp is left as it was');
});

t.test('prepareDataDir creates, locks and stamps; a refused stamp releases the lock', async (t) => {
  const root = await tempDir('prepare');
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, 'nested', 'data');
  const prepared = await prepareDataDir(dir);
  t.same((await readdir(dir)).sort(), [FORMAT_FILE_NAME, LOCK_FILE_NAME].sort());
  await prepared.lock.release();

  await writeFile(join(dir, FORMAT_FILE_NAME), 'something-else 1\n');
  await t.rejects(prepareDataDir(dir), UnknownDataFormatError);
  t.notOk((await readdir(dir)).includes(LOCK_FILE_NAME), 'no lock left behind by a refused start');
});
