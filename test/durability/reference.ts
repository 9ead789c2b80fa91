/**
 * What a durable heap must look like after a crash: a reference heap (the allocator library plus a
 * tag map, mirroring src/registry/heap.ts) that replays the acknowledged requests.
 *
 * A request in flight when the server was killed may or may not have been committed, so the
 * tracker keeps candidates: histories with and without it, kept while their layout equals the
 * server's, and pruned by every later answer that one of them would not have given. A tlsf
 * atomic batch that failed changes no layout but may reorder free lists, so two candidates can
 * agree on the layout and differ on later pointers: the next answers decide between them.
 */
import { createAllocator, type Allocator, type Strategy } from '../../src/allocator/index.js'

export type BatchStepOp =
  | { op: 'alloc', size: number, align?: number, tag?: string }
  | { op: 'free', ptr: number }
  | { op: 'realloc', ptr: number, size: number }

export type Step =
  | BatchStepOp
  | { op: 'batch', ops: BatchStepOp[], atomic: boolean }
  | { op: 'reset' }

/** What a request answered, reduced to what must match: success and pointers. */
export interface Outcome {
  ok: boolean
  ptr?: number
  results?: Array<{ ok: boolean, ptr?: number }>
}

export interface BlockState { ptr: number, size: number, tag?: string }

export interface HeapSpec { size: number, strategy: Strategy }

const UNDO = Symbol('undo')

/** One possible history of a heap, replayed into a real allocator. */
export class ReferenceHeap {
  readonly allocator: Allocator
  readonly tags = new Map<number, string>()
  readonly history: Step[] = []

  constructor (readonly spec: HeapSpec, steps: readonly Step[] = []) {
    this.allocator = createAllocator(spec)
    for (const step of steps) this.run(step)
  }

  run (step: Step): Outcome {
    this.history.push(step)
    if (step.op === 'reset') {
      this.allocator.reset()
      this.tags.clear()
      return { ok: true }
    }
    if (step.op !== 'batch') {
      try {
        return { ok: true, ...ptrOf(this.apply(step)) }
      } catch {
        return { ok: false }
      }
    }
    if (!step.atomic) {
      return {
        ok: true,
        results: step.ops.map((op) => {
          try { return { ok: true, ...ptrOf(this.apply(op)) } } catch { return { ok: false } }
        })
      }
    }
    const tags = new Map(this.tags)
    const results: Array<{ ok: boolean, ptr?: number }> = []
    try {
      this.allocator.atomically(() => {
        for (const op of step.ops) {
          try { results.push({ ok: true, ...ptrOf(this.apply(op)) }) } catch { throw UNDO }
        }
      })
      return { ok: true, results }
    } catch (error) {
      if (error !== UNDO) throw error
      this.tags.clear()
      for (const [ptr, tag] of tags) this.tags.set(ptr, tag)
      return { ok: false }
    }
  }

  blocks (): BlockState[] {
    return [...this.allocator.blocks()].map(({ ptr, size }) => {
      const tag = this.tags.get(ptr)
      return tag === undefined ? { ptr, size } : { ptr, size, tag }
    })
  }

  /** Returns the new ptr for alloc and realloc, undefined for free. Throws what the allocator throws. */
  private apply (op: BatchStepOp): number | undefined {
    switch (op.op) {
      case 'alloc': {
        const ptr = this.allocator.alloc(op.size, op.align)
        if (op.tag !== undefined) this.tags.set(ptr, op.tag)
        return ptr
      }
      case 'free':
        this.allocator.free(op.ptr)
        this.tags.delete(op.ptr)
        return undefined
      case 'realloc': {
        const ptr = this.allocator.realloc(op.ptr, op.size)
        const tag = this.tags.get(op.ptr)
        if (ptr !== op.ptr && tag !== undefined) {
          this.tags.delete(op.ptr)
          this.tags.set(ptr, tag)
        }
        return ptr
      }
    }
  }
}

function ptrOf (ptr: number | undefined): { ptr?: number } {
  return ptr === undefined ? {} : { ptr }
}

export function sameOutcome (a: Outcome, b: Outcome): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** The candidate histories of one heap. */
export class Tracker {
  candidates: ReferenceHeap[]

  constructor (spec: HeapSpec) {
    this.candidates = [new ReferenceHeap(spec)]
  }

  /** Any candidate: they agree on everything answered so far. */
  get current (): ReferenceHeap {
    return this.candidates[0]!
  }

  /** An acknowledged answer: keeps the candidates that would have answered the same; false when none would. */
  acknowledged (step: Step, outcome: Outcome): boolean {
    this.candidates = this.candidates.filter((candidate) => sameOutcome(candidate.run(step), outcome))
    return this.candidates.length > 0
  }

  /** After a restart: `inFlight` may or may not have happened; keep the histories whose blocks equal the server's. */
  restarted (inFlight: Step | undefined, serverBlocks: BlockState[]): boolean {
    const next: ReferenceHeap[] = []
    for (const candidate of this.candidates) {
      next.push(candidate)
      if (inFlight !== undefined) next.push(new ReferenceHeap(candidate.spec, [...candidate.history, inFlight]))
    }
    const expected = JSON.stringify(serverBlocks)
    this.candidates = next.filter((candidate) => JSON.stringify(candidate.blocks()) === expected).slice(0, 8)
    return this.candidates.length > 0
  }
}
