/**
 * Reader for allocation traces (format in traces/README.md): `a <id> <size> [<align>]` and
 * `f <id>`, gzip-compressed text. Shared by tests and bench. The full traces are read from
 * HEAPD_TRACES or ../shared/traces beside the repository when present; otherwise from traces/,
 * the prefixes the repository carries (scripts/cut-traces.ts), so a lone clone runs everything.
 */
import { readFileSync, existsSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { join, dirname } from 'node:path'
import { packageRoot } from '../../src/package-root.js'

/** One trace in flat typed arrays: op i is an alloc when kind[i] === ALLOC. */
export interface Trace {
  name: string
  length: number
  kind: Uint8Array
  id: Int32Array
  size: Float64Array
  align: Float64Array
  /** Number of distinct block ids (ids are dense from 0). */
  ids: number
}

export const ALLOC = 1
export const FREE = 2

const root = packageRoot(dirname(fileURLToPath(import.meta.url)))

/** The full traces, when a checkout of them sits beside the repository. */
export const FULL_TRACES_DIR = join(root, '..', 'shared', 'traces')
/** The prefixes of the full traces that the repository carries. */
export const CARRIED_TRACES_DIR = join(root, 'traces')

/** HEAPD_TRACES, else ../shared/traces if it exists, else the carried prefixes. */
export function tracesDir (): string {
  if (process.env.HEAPD_TRACES !== undefined) return process.env.HEAPD_TRACES
  return existsSync(FULL_TRACES_DIR) ? FULL_TRACES_DIR : CARRIED_TRACES_DIR
}

export const TRACE_NAMES = ['real-python', 'real-git', 'uniform-10k', 'lognormal-10k', 'phases'] as const

export function traceExists (name: string): boolean {
  return existsSync(join(tracesDir(), `${name}.trace.gz`))
}

/** Parses a trace; `limit` keeps only its first ops. */
export function loadTrace (name: string, limit = Infinity): Trace {
  const text = gunzipSync(readFileSync(join(tracesDir(), `${name}.trace.gz`))).toString('latin1')
  return parseTrace(name, text, limit)
}

export function parseTrace (name: string, text: string, limit = Infinity): Trace {
  const lines = text.split('\n')
  const capacity = Math.min(lines.length, limit)
  const kind = new Uint8Array(capacity)
  const id = new Int32Array(capacity)
  const size = new Float64Array(capacity)
  const align = new Float64Array(capacity)
  let n = 0
  let ids = 0
  for (const line of lines) {
    if (n >= capacity) break
    if (line === '' || line[0] === '#') continue
    const parts = line.split(' ')
    const blockId = Number(parts[1])
    id[n] = blockId
    if (parts[0] === 'a') {
      kind[n] = ALLOC
      size[n] = Number(parts[2])
      align[n] = parts[3] === undefined ? 1 : Number(parts[3])
      if (blockId >= ids) ids = blockId + 1
    } else if (parts[0] === 'f') {
      kind[n] = FREE
    } else {
      throw new Error(`${name}: unknown trace line ${JSON.stringify(line)}`)
    }
    n++
  }
  return { name, length: n, kind: kind.subarray(0, n), id: id.subarray(0, n), size: size.subarray(0, n), align: align.subarray(0, n), ids }
}
