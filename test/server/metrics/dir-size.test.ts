import t from 'tap';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DirSizeSampler } from '../../../server/metrics/dir-size.js';
import { tempDir } from '../../helpers/server.js';

t.test('sums file sizes in the tree, resampling only after the interval', async (t) => {
  const dir = await tempDir('dirsize');
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a'), Buffer.alloc(100));
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub', 'b'), Buffer.alloc(50));
  let now = 1_000;
  const sampler = new DirSizeSampler(dir, 5_000, () => now);
  t.equal(await sampler.bytes(), 150);

  await writeFile(join(dir, 'c'), Buffer.alloc(25));
  now += 4_999;
  t.equal(await sampler.bytes(), 150, 'within the interval: the old sample');
  now += 1;
  t.equal(await sampler.bytes(), 175, 'after the interval: a new walk');
});

t.test('a missing directory has size 0', async (t) => {
  const sampler = new DirSizeSampler('/nonexistent/rangedb-dir-size');
  t.equal(await sampler.bytes(), 0);
});
