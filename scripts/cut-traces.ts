/**
 * `npm run traces:cut`: writes traces/<name>.trace.gz, the first ops of each full trace (from
 * HEAPD_TRACES or ../shared/traces), so that tests and benchmarks run on a clone with nothing
 * beside it. Header and comment lines are kept; a `# prefix:` line says where the cut is.
 *   tsx scripts/cut-traces.ts [--ops=N]
 * A prefix of a valid trace is valid (ids are allocated in order and freed after their alloc);
 * the cut is checked anyway: every free names a block allocated before it and not yet freed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync, gzipSync, constants } from 'node:zlib'
import { flagsOf } from '../bench/args.js'
import { CARRIED_TRACES_DIR, FULL_TRACES_DIR, TRACE_NAMES } from '../test/helpers/trace.js'

const DEFAULT_OPS = 200_000

const flags = flagsOf(process.argv.slice(2), ['ops'])
const ops = Number(flags.get('ops') ?? DEFAULT_OPS)
if (!Number.isInteger(ops) || ops <= 0) throw new Error(`--ops must be a positive integer, got ${flags.get('ops')}`)

const source = process.env.HEAPD_TRACES ?? FULL_TRACES_DIR
mkdirSync(CARRIED_TRACES_DIR, { recursive: true })
for (const name of TRACE_NAMES) {
  const text = gunzipSync(readFileSync(join(source, `${name}.trace.gz`))).toString('latin1')
  const { lines, kept, total } = cut(name, text, ops)
  const gz = gzipSync(lines.join('\n') + '\n', { level: constants.Z_BEST_COMPRESSION })
  writeFileSync(join(CARRIED_TRACES_DIR, `${name}.trace.gz`), gz)
  console.log(`${name}: ${kept} of ${total} ops, ${(gz.length / 1024).toFixed(0)} KiB`)
}

/** The header, then the first `limit` ops (comments among them kept), checked for consistency. */
function cut (name: string, text: string, limit: number): { lines: string[], kept: number, total: number } {
  const all = text.split('\n')
  if (all[0] !== '# alloc-trace v1') throw new Error(`${name}: not an alloc-trace v1 file`)
  const header = all.findIndex((line) => line !== '' && line[0] !== '#')
  const lines = all.slice(0, header)
  let total = 0
  for (let i = header; i < all.length; i++) if (all[i] !== '' && all[i]![0] !== '#') total++
  lines.push(`# prefix: first ${Math.min(limit, total)} of ${total} ops`)
  const live = new Set<number>()
  let allocated = 0
  let kept = 0
  for (let i = header; i < all.length && kept < limit; i++) {
    const line = all[i]!
    if (line === '') continue
    if (line[0] !== '#') {
      const [op, id] = line.split(' ')
      const blockId = Number(id)
      if (op === 'a') {
        if (blockId !== allocated) throw new Error(`${name}: op ${kept + 1} allocates id ${blockId}, expected ${allocated}`)
        allocated++
        live.add(blockId)
      } else if (op === 'f') {
        if (!live.delete(blockId)) throw new Error(`${name}: op ${kept + 1} frees id ${blockId}, not live`)
      } else {
        throw new Error(`${name}: unknown trace line ${JSON.stringify(line)}`)
      }
      kept++
    }
    lines.push(line)
  }
  return { lines, kept, total }
}
