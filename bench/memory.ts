/**
 * Garbage collection on demand and memory snapshots. `npm run bench` runs without node flags,
 * so gc is exposed at run time through V8's flags (the documented `--expose-gc` flag, set late).
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')
const gcFunction = runInNewContext('gc') as (() => void) | undefined

/** Full collection, twice so that weak references and finalizers settle. */
export function collect (): void {
  if (gcFunction === undefined) return
  gcFunction()
  gcFunction()
}

export interface MemorySnapshot {
  rss: number
  heapUsed: number
  /** Typed-array backing stores live outside the JS heap. */
  arrayBuffers: number
}

export function snapshot (): MemorySnapshot {
  collect()
  const { rss, heapUsed, arrayBuffers } = process.memoryUsage()
  return { rss, heapUsed, arrayBuffers }
}
