/**
 * Data-driven Raft transcripts. Each file in testdata/ is a sequence of blocks:
 *
 *   command arg ... key=value ...
 *   ----
 *   the exact expected output
 *   (blank line)
 *
 * Lines starting with # between blocks are comments. `REWRITE=1` rewrites the
 * expected outputs from the actual ones; review the diff by hand, since the
 * expected text is the specification of correct Raft behaviour.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { InteractionEnv } from './interaction-env.js';

// Compiled to dist/test/consensus/; the transcripts stay in the source tree.
const TESTDATA = fileURLToPath(new URL('../../../test/consensus/testdata/', import.meta.url));
const REWRITE = process.env['REWRITE'] === '1';

interface Block {
  comments: string[];
  command: string;
  expected: string;
  line: number;
}

function parse(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let comments: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    if (line.startsWith('#')) {
      comments.push(line);
      i++;
      continue;
    }
    const start = i + 1;
    const command = line;
    i++;
    if (lines[i] !== '----') throw new Error(`line ${i + 1}: expected ---- after command`);
    i++;
    const expected: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!);
    blocks.push({ comments, command, expected: expected.join('\n'), line: start });
    comments = [];
  }
  return blocks;
}

function execute(env: InteractionEnv, command: string): string {
  const [name, ...rest] = command.trim().split(/\s+/);
  const positional: string[] = [];
  const named = new Map<string, string>();
  for (const tok of rest) {
    const eq = tok.indexOf('=');
    if (eq > 0) named.set(tok.slice(0, eq), tok.slice(eq + 1));
    else positional.push(tok);
  }
  return env.run(name!, positional, named);
}

const files = readdirSync(TESTDATA).filter((f) => f.endsWith('.txt')).sort();
t.ok(files.length > 0, 'transcripts exist');

for (const file of files) {
  t.test(file, async (tt) => {
    const path = TESTDATA + file;
    const blocks = parse(readFileSync(path, 'utf8'));
    const env = new InteractionEnv();
    const rewritten: string[] = [];
    for (const b of blocks) {
      const actual = execute(env, b.command);
      if (REWRITE) {
        rewritten.push([...b.comments, b.command, '----', actual, ''].join('\n'));
      } else {
        tt.equal(actual, b.expected, `${file}:${b.line} ${b.command}`);
      }
    }
    if (REWRITE) writeFileSync(path, rewritten.join('\n'));
  });
}
