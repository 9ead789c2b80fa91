/**
 * Model-based HTTP test (fc.commands): every command is sent over HTTP (app.inject) and applied to
 * a model made of the allocator library itself (createAllocator, same strategy, size and
 * alignment) plus maps of tags and requested alignments, and the heap quota. After each command
 * the HTTP answer must match the model's: the same pointer and block, or the same problem (type,
 * status, reason and figures); then the heap's stats must equal the model allocator's.
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { LightMyRequestResponse } from 'fastify'
import type { App } from '../../src/http/app.js'
import { createAllocator } from '../../src/allocator/index.js'
import { AllocatorError, ExceedsHeapSizeError, InvalidPointerError, OutOfMemoryError } from '../../src/allocator/errors.js'
import type { Allocator, Strategy } from '../../src/allocator/types.js'

export interface ModelLimits { maxHeaps: number, maxBlocksPerHeap: number }

/** Tight heap and block quotas, so 429 quota-exceeded is part of the model. */
export const MODEL_LIMITS: ModelLimits = { maxHeaps: 4, maxBlocksPerHeap: 12 }

export interface ModelHeap {
  allocator: Allocator
  tags: Map<number, string>
  aligns: Map<number, number>
  deleted: boolean
}

export interface Model { heaps: ModelHeap[], limits: ModelLimits }
export interface Real { app: App, ids: string[] }

interface ExpectedProblem { status: number, code: string, extras: Record<string, unknown> }
type Outcome<T> = { ok: true, value: T } | { ok: false, problem: ExpectedProblem }

interface BlockJson { ptr: number, size: number, align?: number, tag?: string }

/** A pointer chosen against the model: a live block (by index), a byte inside one, or a raw offset. */
export type PtrPick = { live: number } | { interior: number } | { raw: number }

// ---------------------------------------------------------------------------------------------
// The model's side

function problemOf (error: unknown): ExpectedProblem {
  if (error instanceof OutOfMemoryError) {
    return { status: 409, code: 'out-of-memory', extras: { reason: error.reason, requested: error.requested, free: error.free, largestFree: error.largestFree } }
  }
  if (error instanceof ExceedsHeapSizeError) return { status: 400, code: 'exceeds-heap-size', extras: { requested: error.requested } }
  if (error instanceof InvalidPointerError) {
    return { status: 404, code: 'block-not-found', extras: { reason: error.reason, ptr: error.ptr, ...(error.blockPtr !== undefined ? { blockPtr: error.blockPtr } : {}) } }
  }
  if (error instanceof AllocatorError) return { status: 400, code: 'validation-error', extras: {} }
  throw error
}

const HEAP_NOT_FOUND: ExpectedProblem = { status: 404, code: 'heap-not-found', extras: {} }

function attempt<T> (fn: () => T): Outcome<T> {
  try {
    return { ok: true, value: fn() }
  } catch (error) {
    if (error instanceof ModelFailure) return { ok: false, problem: error.problem }
    return { ok: false, problem: problemOf(error) }
  }
}

class ModelFailure extends Error {
  constructor (readonly problem: ExpectedProblem) { super(problem.code) }
}

function view (heap: ModelHeap, ptr: number, size: number): BlockJson {
  const block: BlockJson = { ptr, size }
  const align = heap.aligns.get(ptr)
  if (align !== undefined) block.align = align
  const tag = heap.tags.get(ptr)
  if (tag !== undefined) block.tag = tag
  return block
}

function modelAlloc (model: Model, heap: ModelHeap, size: number, align: number | undefined, tag: string | undefined): BlockJson {
  if (heap.allocator.stats().liveBlocks >= model.limits.maxBlocksPerHeap) {
    throw new ModelFailure({ status: 429, code: 'quota-exceeded', extras: { limit: 'maxBlocksPerHeap' } })
  }
  const ptr = heap.allocator.alloc(size, align)
  if (align !== undefined) heap.aligns.set(ptr, align)
  if (tag !== undefined) heap.tags.set(ptr, tag)
  return view(heap, ptr, size)
}

function modelFree (heap: ModelHeap, ptr: number): BlockJson {
  const size = heap.allocator.sizeOf(ptr)
  heap.allocator.free(ptr)
  const block = view(heap, ptr, size!)
  heap.aligns.delete(ptr)
  heap.tags.delete(ptr)
  return block
}

function modelRealloc (heap: ModelHeap, ptr: number, size: number): BlockJson & { moved: boolean } {
  const newPtr = heap.allocator.realloc(ptr, size)
  const meta = view(heap, ptr, size)
  const moved = newPtr !== ptr
  if (moved) {
    heap.aligns.delete(ptr)
    heap.tags.delete(ptr)
    if (meta.align !== undefined) heap.aligns.set(newPtr, meta.align)
    if (meta.tag !== undefined) heap.tags.set(newPtr, meta.tag)
  }
  return { ...meta, ptr: newPtr, moved }
}

function resolvePtr (heap: ModelHeap, pick: PtrPick): number {
  const blocks = [...heap.allocator.blocks()]
  if ('raw' in pick) return pick.raw
  const block = blocks[('live' in pick ? pick.live : pick.interior) % Math.max(1, blocks.length)]
  if (block === undefined) return 0
  return 'live' in pick || block.size === 1 ? block.ptr : block.ptr + 1
}

// ---------------------------------------------------------------------------------------------
// Comparing HTTP answers with the model's

function expectOutcome<T> (response: LightMyRequestResponse, expected: Outcome<T>, okStatus: number, what: string, compare: (body: unknown, value: T) => void): void {
  const context = `${what} -> ${response.statusCode} ${response.body.slice(0, 400)}`
  if (expected.ok) {
    assert.equal(response.statusCode, okStatus, context)
    compare(okStatus === 204 ? undefined : response.json(), expected.value)
    return
  }
  expectProblemBody(response.statusCode, response.json(), expected.problem, context)
}

function expectProblemBody (status: number, body: Record<string, unknown>, expected: ExpectedProblem, context: string): void {
  assert.equal(status, expected.status, context)
  assert.equal(body.status, expected.status, context)
  assert.ok(String(body.type).endsWith('/' + expected.code), `expected ${expected.code}: ${context}`)
  for (const [key, value] of Object.entries(expected.extras)) assert.equal(body[key], value, `${key}: ${context}`)
}

function sameBlock (body: unknown, block: BlockJson): void {
  const pick = ({ ptr, size, align, tag }: BlockJson) => dropUndefined({ ptr, size, align, tag })
  assert.deepEqual(pick(body as BlockJson), pick(block))
}

function dropUndefined (record: object): object {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined))
}

async function expectStats (real: Real, model: Model, index: number, what: string): Promise<void> {
  const heap = model.heaps[index]!
  const response = await real.app.inject(`/heaps/${real.ids[index]!}/stats`)
  if (heap.deleted) {
    expectProblemBody(response.statusCode, response.json(), HEAP_NOT_FOUND, `stats after ${what}`)
    return
  }
  assert.equal(response.statusCode, 200, `stats after ${what}`)
  assert.deepEqual(response.json(), { ...heap.allocator.stats() }, `stats after ${what}`)
}

// ---------------------------------------------------------------------------------------------
// Commands

type Cmd = fc.AsyncCommand<Model, Real, boolean>

abstract class HeapCommand implements Cmd {
  constructor (readonly pick: number) {}
  check (model: Readonly<Model>): boolean { return model.heaps.length > 0 }
  index (model: Model): number { return this.pick % model.heaps.length }
  abstract run (model: Model, real: Real): Promise<void>
  abstract toString (): string
}

class CreateHeap implements Cmd {
  constructor (readonly size: number, readonly strategy: Strategy, readonly alignment: number) {}
  check (): boolean { return true }
  async run (model: Model, real: Real): Promise<void> {
    const live = model.heaps.filter((h) => !h.deleted).length
    const response = await real.app.inject({ method: 'POST', url: '/heaps', payload: { size: this.size, strategy: this.strategy, alignment: this.alignment } })
    if (live >= model.limits.maxHeaps) {
      expectProblemBody(response.statusCode, response.json(), { status: 429, code: 'quota-exceeded', extras: { limit: 'maxHeaps' } }, this.toString())
      return
    }
    assert.equal(response.statusCode, 201, `${this.toString()}: ${response.body}`)
    const body = response.json() as { id: string, stats: unknown }
    const allocator = createAllocator({ size: this.size, strategy: this.strategy, alignment: this.alignment })
    assert.deepEqual(body.stats, { ...allocator.stats() })
    model.heaps.push({ allocator, tags: new Map(), aligns: new Map(), deleted: false })
    real.ids.push(body.id)
  }

  toString (): string { return `create(${this.size}, ${this.strategy}, ${this.alignment})` }
}

class Alloc extends HeapCommand {
  constructor (pick: number, readonly size: number, readonly align: number | undefined, readonly tag: string | undefined) { super(pick) }
  async run (model: Model, real: Real): Promise<void> {
    const i = this.index(model)
    const heap = model.heaps[i]!
    const payload = dropUndefined({ size: this.size, align: this.align, tag: this.tag })
    const response = await real.app.inject({ method: 'POST', url: `/heaps/${real.ids[i]!}/alloc`, payload })
    const expected: Outcome<BlockJson> = heap.deleted
      ? { ok: false, problem: HEAP_NOT_FOUND }
      : attempt(() => modelAlloc(model, heap, this.size, this.align, this.tag))
    expectOutcome(response, expected, 201, this.toString(), (body, block) => {
      sameBlock(body, block)
      assert.equal(response.headers.location, `/heaps/${real.ids[i]!}/blocks/${block.ptr}`)
    })
    await expectStats(real, model, i, this.toString())
  }

  toString (): string { return `alloc(heap ${this.pick}, ${this.size}, align ${this.align}, tag ${this.tag})` }
}

class Free extends HeapCommand {
  constructor (pick: number, readonly ptr: PtrPick) { super(pick) }
  async run (model: Model, real: Real): Promise<void> {
    const i = this.index(model)
    const heap = model.heaps[i]!
    const ptr = resolvePtr(heap, this.ptr)
    const response = await real.app.inject({ method: 'DELETE', url: `/heaps/${real.ids[i]!}/blocks/${ptr}` })
    const expected = heap.deleted ? { ok: false as const, problem: HEAP_NOT_FOUND } : attempt(() => modelFree(heap, ptr))
    expectOutcome(response, expected, 204, `${this.toString()} ptr ${ptr}`, () => {})
    await expectStats(real, model, i, this.toString())
  }

  toString (): string { return `free(heap ${this.pick}, ${JSON.stringify(this.ptr)})` }
}

class Realloc extends HeapCommand {
  constructor (pick: number, readonly ptr: PtrPick, readonly size: number) { super(pick) }
  async run (model: Model, real: Real): Promise<void> {
    const i = this.index(model)
    const heap = model.heaps[i]!
    const ptr = resolvePtr(heap, this.ptr)
    const response = await real.app.inject({ method: 'PATCH', url: `/heaps/${real.ids[i]!}/blocks/${ptr}`, payload: { size: this.size } })
    const expected = heap.deleted ? { ok: false as const, problem: HEAP_NOT_FOUND } : attempt(() => modelRealloc(heap, ptr, this.size))
    expectOutcome(response, expected, 200, `${this.toString()} ptr ${ptr}`, (body, block) => {
      sameBlock(body, block)
      assert.equal((body as { moved: boolean }).moved, block.moved, 'moved')
    })
    await expectStats(real, model, i, this.toString())
  }

  toString (): string { return `realloc(heap ${this.pick}, ${JSON.stringify(this.ptr)}, ${this.size})` }
}

export type BatchOpSpec =
  | { op: 'alloc', size: number, align?: number, tag?: string }
  | { op: 'free', ptr: PtrPick }
  | { op: 'realloc', ptr: PtrPick, size: number }

class Batch extends HeapCommand {
  constructor (pick: number, readonly ops: BatchOpSpec[], readonly atomic: boolean) { super(pick) }
  async run (model: Model, real: Real): Promise<void> {
    const i = this.index(model)
    const heap = model.heaps[i]!
    // Pointers are picked against the heap before the batch, as a client would.
    const ops = this.ops.map((op) => op.op === 'alloc' ? op : { ...op, ptr: resolvePtr(heap, op.ptr) })
    const response = await real.app.inject({ method: 'POST', url: `/heaps/${real.ids[i]!}/batch`, payload: { ops, atomic: this.atomic } })
    const what = `${this.toString()} as ${JSON.stringify(ops)}`
    if (heap.deleted) {
      expectProblemBody(response.statusCode, response.json(), HEAP_NOT_FOUND, what)
      return
    }
    const runOp = (op: (typeof ops)[number]): BlockJson => op.op === 'alloc'
      ? modelAlloc(model, heap, op.size, op.align, op.tag)
      : op.op === 'free' ? modelFree(heap, op.ptr) : modelRealloc(heap, op.ptr, op.size)
    if (this.atomic) {
      const tags = new Map(heap.tags)
      const aligns = new Map(heap.aligns)
      let failed: { index: number, problem: ExpectedProblem } | undefined
      const results: BlockJson[] = []
      try {
        heap.allocator.atomically(() => {
          ops.forEach((op, index) => {
            const outcome = attempt(() => runOp(op))
            if (!outcome.ok) {
              failed = { index, problem: outcome.problem }
              throw new ModelFailure(outcome.problem)
            }
            results.push(outcome.value)
          })
        })
      } catch (error) {
        if (!(error instanceof ModelFailure)) throw error
        heap.tags = tags
        heap.aligns = aligns
      }
      if (failed !== undefined) {
        const body = response.json() as Record<string, unknown>
        expectProblemBody(response.statusCode, body, failed.problem, what)
        assert.equal(body.index, failed.index, `index: ${what}`)
      } else {
        assert.equal(response.statusCode, 200, `${what}: ${response.body}`)
        const answered = (response.json() as { results: Array<Record<string, unknown>> }).results
        assert.equal(answered.length, results.length)
        answered.forEach((result, k) => {
          assert.equal(result.ok, true)
          sameBlock(result, results[k]!)
        })
      }
    } else {
      assert.equal(response.statusCode, 200, `${what}: ${response.body}`)
      const answered = (response.json() as { results: Array<Record<string, unknown>> }).results
      assert.equal(answered.length, ops.length)
      ops.forEach((op, k) => {
        const outcome = attempt(() => runOp(op))
        const result = answered[k]!
        assert.equal(result.op, op.op, `op ${k}: ${what}`)
        if (outcome.ok) {
          assert.equal(result.ok, true, `op ${k} ok: ${what} ${JSON.stringify(result)}`)
          sameBlock(result, outcome.value)
          if (op.op === 'realloc') assert.equal(result.moved, (outcome.value as { moved?: boolean }).moved)
        } else {
          assert.equal(result.ok, false, `op ${k} fails: ${what} ${JSON.stringify(result)}`)
          const error = result.error as Record<string, unknown>
          expectProblemBody(Number(error.status), error, outcome.problem, `op ${k}: ${what}`)
        }
      })
    }
    await expectStats(real, model, i, this.toString())
  }

  toString (): string { return `batch(heap ${this.pick}, ${JSON.stringify(this.ops)}, atomic ${this.atomic})` }
}

class Reset extends HeapCommand {
  async run (model: Model, real: Real): Promise<void> {
    const i = this.index(model)
    const heap = model.heaps[i]!
    const response = await real.app.inject({ method: 'POST', url: `/heaps/${real.ids[i]!}/reset` })
    if (heap.deleted) {
      expectProblemBody(response.statusCode, response.json(), HEAP_NOT_FOUND, this.toString())
      return
    }
    heap.allocator.reset()
    heap.tags.clear()
    heap.aligns.clear()
    assert.equal(response.statusCode, 200)
    assert.deepEqual((response.json() as { stats: unknown }).stats, { ...heap.allocator.stats() })
  }

  toString (): string { return `reset(heap ${this.pick})` }
}

class DeleteHeap extends HeapCommand {
  async run (model: Model, real: Real): Promise<void> {
    const i = this.index(model)
    const heap = model.heaps[i]!
    const response = await real.app.inject({ method: 'DELETE', url: `/heaps/${real.ids[i]!}` })
    if (heap.deleted) {
      expectProblemBody(response.statusCode, response.json(), HEAP_NOT_FOUND, this.toString())
    } else {
      assert.equal(response.statusCode, 204)
      heap.deleted = true
    }
    await expectStats(real, model, i, this.toString())
  }

  toString (): string { return `deleteHeap(heap ${this.pick})` }
}

/** Stats, every block (with tags and alignments), every segment, occupancy and the heap list, against the model. */
class Inspect extends HeapCommand {
  constructor (pick: number, readonly buckets: number) { super(pick) }
  async run (model: Model, real: Real): Promise<void> {
    const i = this.index(model)
    const heap = model.heaps[i]!
    const list = await real.app.inject('/heaps?limit=1000')
    const live = real.ids.filter((_, k) => !model.heaps[k]!.deleted)
    assert.deepEqual((list.json() as { items: Array<{ id: string }> }).items.map((h) => h.id), live, 'heap list')
    await expectStats(real, model, i, this.toString())
    if (heap.deleted) return
    const url = `/heaps/${real.ids[i]!}`
    const blocks = await real.app.inject(`${url}/blocks?limit=1000`)
    assert.deepEqual(blocks.json(), { items: [...heap.allocator.blocks()].map((b) => view(heap, b.ptr, b.size)), nextCursor: null })
    const layout = await real.app.inject(`${url}/layout?limit=1000`)
    const segments = [...heap.allocator.segments()].map((s) => s.state === 'free' ? s : dropUndefined({ ...s, ptr: s.offset, tag: heap.tags.get(s.offset) }))
    assert.deepEqual(layout.json(), { items: segments, nextCursor: null })
    const occupancy = await real.app.inject(`${url}/layout?buckets=${this.buckets}`)
    assert.deepEqual(occupancy.json(), heap.allocator.occupancy(this.buckets), `occupancy in ${this.buckets} buckets`)
  }

  toString (): string { return `inspect(heap ${this.pick}, ${this.buckets} buckets)` }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const heapPick = fc.nat(7)
const STRATEGY_LIST = ['first-fit', 'best-fit', 'tlsf'] as const

const ptrPick: fc.Arbitrary<PtrPick> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ live: fc.nat(30) }) },
  { weight: 1, arbitrary: fc.record({ interior: fc.nat(30) }) },
  { weight: 1, arbitrary: fc.record({ raw: fc.nat(5000) }) }
)

/** Sizes for heaps of a few KiB: mostly small, some that do not fit, a few larger than any heap. */
const blockSize = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 300 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 3000 }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 40, Number.MAX_SAFE_INTEGER) }
)
const alignArb = fc.option(fc.constantFrom(1, 2, 8, 64, 256, 4096, 2 ** 30), { nil: undefined, freq: 2 })
const tagArb = fc.option(fc.constantFrom('a', 'b', 'texture', 'é🧱'), { nil: undefined, freq: 2 })

const batchOp: fc.Arbitrary<BatchOpSpec> = fc.oneof(
  fc.record({ op: fc.constant('alloc' as const), size: blockSize, align: alignArb, tag: tagArb }).map((op) => dropUndefined(op) as BatchOpSpec),
  fc.record({ op: fc.constant('free' as const), ptr: ptrPick }),
  fc.record({ op: fc.constant('realloc' as const), ptr: ptrPick, size: blockSize })
)

export function modelCommands (): fc.Arbitrary<Iterable<Cmd>> {
  return fc.commands([
    fc.record({ size: fc.oneof(fc.integer({ min: 1, max: 4096 }), fc.constantFrom(2 ** 50, 1)), strategy: fc.constantFrom(...STRATEGY_LIST), alignment: fc.constantFrom(1, 1, 8, 64) })
      .map(({ size, strategy, alignment }) => new CreateHeap(size, strategy, alignment)),
    fc.tuple(heapPick, blockSize, alignArb, tagArb).map(([h, size, align, tag]) => new Alloc(h, size, align, tag)),
    fc.tuple(heapPick, blockSize, alignArb, tagArb).map(([h, size, align, tag]) => new Alloc(h, size, align, tag)),
    fc.tuple(heapPick, ptrPick).map(([h, ptr]) => new Free(h, ptr)),
    fc.tuple(heapPick, ptrPick, blockSize).map(([h, ptr, size]) => new Realloc(h, ptr, size)),
    fc.tuple(heapPick, fc.array(batchOp, { maxLength: 8 }), fc.boolean()).map(([h, ops, atomic]) => new Batch(h, ops, atomic)),
    heapPick.map((h) => new Reset(h)),
    heapPick.map((h) => new DeleteHeap(h)),
    fc.tuple(heapPick, fc.integer({ min: 1, max: 64 })).map(([h, buckets]) => new Inspect(h, buckets))
  ], { maxCommands: 40, size: 'max' })
}

/** A fresh model and an app emptied of heaps, for one model run. */
export async function modelSetup (app: App, limits: ModelLimits): Promise<{ model: Model, real: Real }> {
  const list = await app.inject('/heaps?limit=1000')
  for (const heap of (list.json() as { items: Array<{ id: string }> }).items) await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}` })
  return { model: { heaps: [], limits }, real: { app, ids: [] } }
}
