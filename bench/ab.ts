/**
 * `npm run bench:ab`: the allocator of the work tree against the allocator of another revision,
 * in one process, pass for pass: A (the revision), then B (the work tree), then A again, and so on.
 *
 * Why: this machine has stretches of 30 to 60 s in which memory-heavy code runs up to 1.45x
 * slower (trace-bench.ts), so two `npm run bench` runs a minute apart differ by more than most
 * changes do. Passes that alternate within seconds see the same machine; the ratio of their
 * figures is the change's effect. Each side replays through its own instance of the replay
 * module, so neither side's call sites see the other's classes.
 *
 *   npm run bench:ab -- [--base=REV] [--passes=N] [--strategies=a,b] [trace ...]
 * REV defaults to HEAD (what the work tree changes); traces default to the real ones.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { flagsOf } from './args.js'
import { loadTrace, TRACE_NAMES } from '../test/helpers/trace.js'
import type { Trace } from '../test/helpers/trace.js'
import { replayInstance, withSlotIds } from './replay.js'
import type { timeReplay as TimeReplay } from './replay.js'
import type { BenchHeap } from './subjects.js'
import { printTable } from './table.js'
import { median } from './stats.js'

type CreateAllocator = (options: { size: number, strategy: string }) => BenchHeap

const flags = flagsOf(process.argv.slice(2).filter((arg) => arg.startsWith('--')), ['base', 'passes', 'strategies'])
const base = flags.get('base') ?? 'HEAD'
const passes = Number(flags.get('passes') ?? 12)
if (!Number.isInteger(passes) || passes < 1) throw new Error(`--passes must be a positive integer, got ${flags.get('passes')}`)
const strategies = (flags.get('strategies') ?? 'first-fit,best-fit,tlsf').split(',').filter((s) => s !== '')
const filters = process.argv.slice(2).filter((arg) => !arg.startsWith('--'))
const traces = TRACE_NAMES.filter((name) => filters.length === 0 ? name.startsWith('real-') : filters.some((f) => name.includes(f)))

/** Compiles `rev`'s src/allocator (pure: no imports outside it) into a temporary folder; returns its index.js and the folder. */
function buildRevision (rev: string): { index: string, dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'heapd-ab-'))
  const archive = execFileSync('git', ['archive', '--format=tar', rev, 'src/allocator'])
  execFileSync('tar', ['-x', '-C', dir], { input: archive })
  const config = {
    compilerOptions: {
      target: 'ES2023',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      skipLibCheck: true,
      types: [],
      rootDir: 'src',
      outDir: 'out',
      declaration: false,
      sourceMap: false
    },
    include: ['src/allocator']
  }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config))
  // ESM, as in the project: NodeNext emits by the nearest package.json's type, for the sources and the output alike.
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}')
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const result = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`compiling ${rev}'s allocator failed:\n${result.stdout}${result.stderr}`)
  return { index: join(dir, 'out', 'allocator', 'index.js'), dir }
}

interface Side {
  name: string
  create: CreateAllocator
  replay: typeof TimeReplay
}

/** Each side gets its own instance of the replay module, so its call sites see only its own classes. */
async function side (name: string, allocatorUrl: string, tag: string): Promise<Side> {
  const allocator = await import(allocatorUrl) as { createAllocator: CreateAllocator }
  return { name, create: allocator.createAllocator, replay: (await replayInstance(`side-${tag}`)).timeReplay }
}

function nsPerOp (trace: Trace, s: Side, strategy: string, scratch: Float64Array): number {
  const run = s.replay(trace, s.create({ size: 2 ** 40, strategy }), trace.length, Infinity, scratch)
  return run.ns / run.ops
}

const change = (before: number, after: number): string => `${after >= before ? '+' : ''}${((after / before - 1) * 100).toFixed(1)} %`

const built = buildRevision(base)
try {
  const a = await side(base, pathToFileURL(built.index).href, 'a')
  const b = await side('work tree', new URL('../src/allocator/index.js', import.meta.url).href, 'b')
  console.log(`# allocator A/B: ${base} (A) against the work tree (B)\n`)
  console.log(`node ${process.version}; ${passes} passes of each, alternating A, B in one process; wall-clock ns per op, the replay loop included`)
  const rows: string[][] = []
  for (const name of traces) {
    const trace = withSlotIds(loadTrace(name))
    const scratch = new Float64Array(trace.ids)
    for (const strategy of strategies) {
      // One untimed pass of each first: both sides run compiled code from the first timed pass on.
      nsPerOp(trace, a, strategy, scratch)
      nsPerOp(trace, b, strategy, scratch)
      const times: [number[], number[]] = [[], []]
      for (let pass = 0; pass < passes; pass++) {
        times[0].push(nsPerOp(trace, a, strategy, scratch))
        times[1].push(nsPerOp(trace, b, strategy, scratch))
      }
      const [minA, minB] = times.map((t) => Math.min(...t)) as [number, number]
      const [medA, medB] = times.map(median) as [number, number]
      rows.push([name, strategy, minA.toFixed(0), minB.toFixed(0), change(minA, minB), medA.toFixed(0), medB.toFixed(0), change(medA, medB)])
      console.error(`${name} ${strategy}: A ${minA.toFixed(0)} / B ${minB.toFixed(0)} ns/op (best)`)
    }
  }
  printTable('ns per op, A then B', ['trace', 'strategy', 'A best', 'B best', 'B vs A (best)', 'A median', 'B median', 'B vs A (median)'], rows,
    ['Negative is faster. Two builds of the same code (--base=HEAD on a clean tree, 8 passes) differed by up to 4 % in the best pass and 2 % in the median here: smaller changes are noise.'])
} finally {
  rmSync(built.dir, { recursive: true, force: true })
}
