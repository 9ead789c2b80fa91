/**
 * What a trace asks for, whatever the strategy: live bytes and blocks after each op, their peak,
 * and the ops at which the series samples are taken.
 */
import type { Trace } from './format.js'
import { ALLOC, FREE } from './format.js'

/** Most samples a series holds (plus the last op), so that a page can plot it as it comes. */
export const SERIES_SAMPLES = 500

export interface PeakLive {
  /** Highest sum of live block sizes after any op. */
  bytes: number
  /** Live blocks at that moment. */
  blocks: number
  /** Index (0-based) of the first op after which live bytes reach the peak; -1 for a trace with no op. */
  at: number
}

export interface TraceProfile {
  peakLive: PeakLive
  /** Op indices after which samples are taken: every `stride`-th op and the last. */
  sampleAt: number[]
  /** Live bytes after each sampled op. */
  liveAt: number[]
  /** Sum over allocs of size + alignment padding, plus every realloc's size: no replay can reach past it. */
  bytesRequested: number
}

/** Every `stride`-th op, stride chosen so that there are at most SERIES_SAMPLES, and the last op. */
export function sampleOps (length: number, samples = SERIES_SAMPLES): number[] {
  if (length === 0) return []
  const stride = Math.max(1, Math.ceil(length / samples))
  const at: number[] = []
  for (let i = stride - 1; i < length - 1; i += stride) at.push(i)
  at.push(length - 1)
  return at
}

export function profileTrace (trace: Trace, heapAlignment = 1): TraceProfile {
  const sizeOf = new Float64Array(trace.blocks)
  const alignOf = new Float64Array(trace.blocks)
  const sampleAt = sampleOps(trace.length)
  const liveAt: number[] = []
  let next = 0
  let live = 0
  let blocks = 0
  let peakBytes = 0
  let peakBlocks = 0
  let peakAt = -1
  let bytesRequested = 0
  for (let i = 0; i < trace.length; i++) {
    const b = trace.block[i]!
    const kind = trace.kind[i]
    if (kind === FREE) {
      live -= sizeOf[b]!
      blocks--
    } else {
      const size = trace.size[i]!
      if (kind === ALLOC) {
        alignOf[b] = Math.max(trace.align[i]!, heapAlignment)
        blocks++
      } else {
        live -= sizeOf[b]!
      }
      sizeOf[b] = size
      live += size
      bytesRequested += size + alignOf[b]! - 1
      if (live > peakBytes) {
        peakBytes = live
        peakBlocks = blocks
        peakAt = i
      }
    }
    if (i === sampleAt[next]) {
      liveAt.push(live)
      next++
    }
  }
  return { peakLive: { bytes: peakBytes, blocks: peakBlocks, at: peakAt }, sampleAt, liveAt, bytesRequested }
}
