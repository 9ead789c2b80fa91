/**
 * What the benchmark measures: each allocator strategy and the naive design (the baseline), all
 * behind one small interface. alloc answers -1 or throws OUT_OF_MEMORY when nothing fits.
 */
import { NaiveAllocator } from '../test/helpers/naive.js'
import { STRATEGIES } from '../src/allocator/types.js'
import type { Allocator, AllocatorOptions, Strategy } from '../src/allocator/types.js'

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
}

/** The naive port: its alloc already answers -1 when nothing fits. */
export const naiveSubject: Subject = {
  name: 'naive',
  naive: true,
  make: (size) => new NaiveAllocator(size)
}

type CreateAllocator = (options: AllocatorOptions) => Allocator

/**
 * The strategies of src/allocator that can be built now. The module is loaded at run time so
 * that the benchmark also runs (naive only) while the allocator is still being written.
 */
export async function strategySubjects (): Promise<{ subjects: Subject[], missing: string[] }> {
  let createAllocator: CreateAllocator
  try {
    const specifier = '../src/allocator/index.js'
    const mod = await import(specifier) as { createAllocator: CreateAllocator }
    createAllocator = mod.createAllocator
  } catch (err) {
    return { subjects: [], missing: [`src/allocator/index.ts not loadable (${(err as Error).message.split('\n')[0]})`] }
  }
  const subjects: Subject[] = []
  const missing: string[] = []
  for (const strategy of STRATEGIES) {
    try {
      createAllocator({ size: 1024, strategy })
      subjects.push(strategySubject(createAllocator, strategy))
    } catch (err) {
      missing.push(`${strategy}: ${(err as Error).message}`)
    }
  }
  return { subjects, missing }
}

function strategySubject (createAllocator: CreateAllocator, strategy: Strategy): Subject {
  return { name: strategy, naive: false, make: (size) => createAllocator({ size, strategy }) }
}
