/**
 * What the benchmark measures: each allocator strategy and the naive design (the baseline), all
 * behind one small interface. alloc answers -1 or throws OUT_OF_MEMORY when nothing fits.
 */
import { NaiveAllocator } from '../test/helpers/naive.js'
import { createAllocator, STRATEGIES } from '../src/allocator/index.js'
import type { Strategy } from '../src/allocator/index.js'
import { replayInstance } from './replay.js'
import type { Replay } from './replay.js'

export interface BenchHeap {
  alloc(size: number, align?: number): number
  free(ptr: number): void
  /** Bytes of bookkeeping the allocator holds, when it can tell. */
  bookkeepingBytes?(): number
}

export interface Subject {
  name: string
  /** The naive port is O(n) per op: it runs under a time cap. */
  naive: boolean
  make(size: number): BenchHeap
  /** This subject's own instance of the replay functions (replay.ts replayInstance says why). */
  replay: Replay
}

/** The naive port: its alloc already answers -1 when nothing fits. */
export async function naiveSubject (): Promise<Subject> {
  return { name: 'naive', naive: true, make: (size) => new NaiveAllocator(size), replay: await replayInstance('naive') }
}

/** The strategies that can be built now (one still being written reports why it cannot). */
export async function strategySubjects (): Promise<{ subjects: Subject[], missing: string[] }> {
  const subjects: Subject[] = []
  const missing: string[] = []
  for (const strategy of STRATEGIES) {
    try {
      createAllocator({ size: 1024, strategy })
      subjects.push(await strategySubject(strategy))
    } catch (err) {
      missing.push(`${strategy}: ${(err as Error).message}`)
    }
  }
  return { subjects, missing }
}

async function strategySubject (strategy: Strategy): Promise<Subject> {
  return { name: strategy, naive: false, make: (size) => createAllocator({ size, strategy }), replay: await replayInstance(strategy) }
}
