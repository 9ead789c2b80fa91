/**
 * tools/alloctrace: a C program's calls come out as the exact trace lines, threads give a valid
 * trace, and a real program (python3) is recorded through `npm run record`'s code and replayed on
 * every strategy. Needs Linux and a C compiler; skipped, saying so, without one.
 */
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildLibrary, LIBRARY, record } from '../../scripts/record.js'
import { parseTraceText } from '../../src/trace/index.js'
import { replayTrace } from '../../src/trace/replay.js'

const compiler = process.env.CC ?? 'cc'
const hasCompiler = spawnSync(compiler, ['--version']).status === 0
const skip = process.platform !== 'linux'
  ? 'alloctrace needs Linux (LD_PRELOAD)'
  : hasCompiler ? false : `no C compiler (${compiler}) on this machine: alloctrace cannot be built`

function tempDir (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'heapd-alloctrace-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Compiles `source` and runs it with the library preloaded; answers the trace it wrote. */
function recordC (t: Test, source: string, flags: string[] = []): string {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'program.c'), source)
  const compiled = spawnSync(compiler, ['-O0', '-o', join(dir, 'program'), join(dir, 'program.c'), ...flags], { encoding: 'utf8' })
  if (compiled.status !== 0) throw new Error(compiled.stderr)
  const out = join(dir, 'program.trace')
  t.equal(record([join(dir, 'program')], out), 0, 'the program exits normally')
  return readFileSync(out, 'utf8')
}

const ops = (trace: string) => trace.split('\n').filter((line) => line !== '' && !line.startsWith('#'))

// No stdio: its buffers would be allocations of their own.
const EVERY_CALL = `
#include <stdlib.h>
#include <malloc.h>
int main (void) {
  char *p = malloc(10);
  char *q = malloc(10);
  p = realloc(p, 20);           /* in place: the chunk has room */
  p = realloc(p, 1000);         /* q is in the way: a move */
  char *c = calloc(3, 4);
  void *a = aligned_alloc(64, 128);
  void *m = memalign(4096, 10);
  void *x;
  if (posix_memalign(&x, 32, 50) != 0) return 1;
  char *r = realloc(NULL, 5);
  char *z = malloc(0);
  free(NULL);
  free(q); free(p); free(c); free(a); free(m); free(x); free(r); free(z);
  return 0;
}
`

t.test('every recorded call comes out as its trace line', { skip }, async (t) => {
  buildLibrary()
  t.ok(LIBRARY.endsWith('liballoctrace.so'))
  const trace = recordC(t, EVERY_CALL)
  t.match(trace, /^# alloc-trace v1\n/)
  t.same(ops(trace), [
    'a 0 10', 'a 1 10', 'r 0 20', 'a 2 1000', 'f 0', 'a 3 12', 'a 4 128 64', 'a 5 10 4096', 'a 6 50 32', 'a 7 5', 'a 8 1',
    'f 1', 'f 2', 'f 3', 'f 4', 'f 5', 'f 6', 'f 7', 'f 8'
  ])
  t.equal(parseTraceText(trace).length, 19, 'the parser takes it')
})

const THREADS = `
#include <pthread.h>
#include <stdlib.h>
static void *work (void *arg) {
  (void)arg;
  void *live[64] = { 0 };
  for (int i = 0; i < 20000; i++) {
    int k = (i * 7919) % 64;
    if (live[k] != NULL && i % 3 == 0) { free(live[k]); live[k] = NULL; }
    else live[k] = realloc(live[k], 1 + (i % 300));
  }
  for (int k = 0; k < 64; k++) free(live[k]);
  return NULL;
}
int main (void) {
  pthread_t threads[4];
  for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, work, NULL);
  for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
  return 0;
}
`

t.test('threads allocating at once give a valid trace: every id allocated once, freed once', { skip }, async (t) => {
  const trace = parseTraceText(recordC(t, THREADS, ['-pthread']))
  t.ok(trace.length >= 4 * 20_000, `${trace.length} ops`)
  const result = replayTrace(trace)
  t.equal(result.peakLive.blocks <= 4 * 64 + 16, true, 'at most the live blocks the threads hold, plus the runtime\'s own')
})

t.test('a python3 program is recorded and replayed on every strategy', { skip }, async (t) => {
  const dir = tempDir(t)
  const out = join(dir, 'python3.trace')
  const program = 'import json; rows = [dict(n=i, s=str(i) * (i % 50)) for i in range(3000)]; text = json.dumps(rows); ' +
    'buf = bytearray()\nfor row in rows: buf += row["s"].encode()\nprint(len(text), len(buf))'
  t.equal(record(['python3', '-c', program], out), 0)
  const text = readFileSync(out, 'utf8')
  const trace = parseTraceText(text)
  t.ok(trace.length > 5000, `${trace.length} ops recorded`)
  t.match(text, /^r \d+ \d+$/m, 'growing a bytearray resizes a block')
  const result = replayTrace(trace)
  t.same(result.results.map((r) => r.strategy), ['first-fit', 'best-fit', 'tlsf'])
  for (const strategy of result.results) {
    t.ok(strategy.peakFootprint >= result.peakLive.bytes, `${strategy.strategy}: no footprint below the live bytes`)
    t.equal(strategy.failures, 0)
  }
  t.ok(result.floor.bytes >= result.peakLive.bytes)
})
