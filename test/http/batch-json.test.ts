import t from 'tap'
import fc from 'fast-check'
import { batchAnswerJson } from '../../src/http/batch-json.js'
import { build, createHeap } from '../helpers/build.js'

const op = fc.constantFrom('alloc' as const, 'free' as const, 'realloc' as const)
const offset = fc.maxSafeNat()
// Tags with what JSON must escape: quotes, backslashes, control characters, lone surrogates, line separators.
const tag = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', '\u2028', '\u0000\u001f', '\ud800', '😀'))
// Fields in the schema's order (schemas/batch.ts), each optional one present or absent.
const success = fc.record({
  ok: fc.constant(true as const),
  op,
  ptr: offset,
  size: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  align: fc.constantFrom(1, 8, 4096, 2 ** 30),
  tag,
  moved: fc.boolean()
}, { requiredKeys: ['ok', 'op', 'ptr', 'size'] })
const failure = fc.record({
  ok: fc.constant(false as const),
  op,
  error: fc.record({
    type: fc.string(),
    title: fc.string(),
    status: fc.integer({ min: 400, max: 599 }),
    detail: fc.string({ unit: 'binary' }),
    instance: fc.string(),
    code: fc.string(),
    requested: fc.maxSafeNat(),
    largestFree: fc.maxSafeNat()
  }, { requiredKeys: ['type', 'title', 'status', 'detail', 'instance'] })
})

t.test('writes exactly what JSON.stringify writes, for every kind of result', async (t) => {
  // fc.assert throws with the smallest differing answer when one differs.
  fc.assert(fc.property(fc.array(fc.oneof(success, failure), { maxLength: 30 }), (results) => {
    const answer = { results }
    return batchAnswerJson(answer as never) === JSON.stringify(answer)
  }), { numRuns: 300 })
  t.pass('300 random answers written alike')
  t.equal(batchAnswerJson({ results: [] }), '{"results":[]}')
})

t.test('writes only the fields of the schema', async (t) => {
  const result = { ok: true as const, op: 'alloc' as const, ptr: 0, size: 8, secret: 'x' }
  t.equal(batchAnswerJson({ results: [result] }), '{"results":[{"ok":true,"op":"alloc","ptr":0,"size":8}]}')
})

t.test('the batch route answers with it, and its problems as before', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1024 })
  const tag = 'q"b\\s\u2028😀'
  const ok = await app.inject({
    method: 'POST',
    url: `/heaps/${heap.id}/batch`,
    payload: { ops: [{ op: 'alloc', size: 16, align: 64, tag }, { op: 'realloc', ptr: 0, size: 512 }, { op: 'free', ptr: 8 }, { op: 'free', ptr: 0 }] }
  })
  t.equal(ok.statusCode, 200)
  t.match(ok.headers['content-type'], /^application\/json/)
  t.same(ok.json().results.slice(0, 2), [
    { ok: true, op: 'alloc', ptr: 0, size: 16, align: 64, tag },
    { ok: true, op: 'realloc', ptr: 0, size: 512, align: 64, tag, moved: false }
  ])
  t.match(ok.json().results[2], { ok: false, op: 'free', error: { status: 404, type: /block-not-found$/, reason: 'interior' } })
  t.same(ok.json().results[3], { ok: true, op: 'free', ptr: 0, size: 512, align: 64, tag })
  t.equal(ok.json().results.length, 4)

  const refused = await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { ops: [{ op: 'free', ptr: 8 }], atomic: true } })
  t.equal(refused.statusCode, 404)
  t.match(refused.headers['content-type'], /^application\/problem\+json/)
  t.match(refused.json(), { type: /block-not-found$/, index: 0 })
})
