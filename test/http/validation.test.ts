/**
 * What a client reads when a request is refused: every validation issue as a plain sentence
 * naming its field (one translation of zod's issues, predicate()), checked on each issue kind the
 * schemas raise; and the values a client sends kept exactly or refused: tags and names must be
 * well-formed Unicode and as long as configured at most; sizes beyond any heap are
 * exceeds-heap-size, however large.
 */
import t from 'tap'
import { z } from 'zod'
import { fieldName, predicate, validationItems } from '../../src/http/validation.js'
import { alloc, build, createHeap, expectProblem } from '../helpers/build.js'

/** The sentences of the issues of `value` under `schema`, as a client reads them. */
function sentences (schema: z.ZodType, value: unknown, part = 'body'): string[] {
  const result = schema.safeParse(value, { error: predicate })
  if (result.success) throw new Error('expected a refusal')
  return validationItems(result.error.issues, part).map((item) => item.message)
}

t.test('each kind of zod issue reads as a plain sentence naming the field', async (t) => {
  const body = z.strictObject({
    size: z.int().min(1).max(100),
    tag: z.string().min(1).max(3).optional(),
    strategy: z.enum(['first-fit', 'best-fit']).optional(),
    op: z.literal('alloc').optional(),
    atomic: z.boolean().optional(),
    ops: z.array(z.discriminatedUnion('op', [z.object({ op: z.literal('free'), ptr: z.int() }), z.object({ op: z.literal('alloc') })])).max(2).optional(),
    step: z.number().multipleOf(4).optional(),
    after: z.number().gt(0).optional(),
    code: z.string().regex(/^[a-z]+$/).optional(),
    even: z.int().refine((n) => n % 2 === 0, 'must be even').optional()
  })
  const cases: Array<[unknown, string[]]> = [
    [{ size: 1.5 }, ['size must be an integer']],
    [{ size: '10' }, ['size must be a number']],
    [{ size: 0 }, ['size must be at least 1']],
    [{ size: 101 }, ['size must be at most 100']],
    [{}, ['size is required']],
    [{ size: 1, foo: 1, bar: 2 }, ["unknown field 'foo'", "unknown field 'bar'"]],
    [{ size: 1, tag: 5 }, ['tag must be a string']],
    [{ size: 1, tag: '' }, ['tag must not be empty']],
    [{ size: 1, tag: 'abcd' }, ['tag must be at most 3 characters long']],
    [{ size: 1, strategy: 'worst-fit' }, ["strategy must be one of 'first-fit', 'best-fit'"]],
    [{ size: 1, op: 'free' }, ["op must be 'alloc'"]],
    [{ size: 1, atomic: 'yes' }, ['atomic must be true or false']],
    [{ size: 1, ops: 'x' }, ['ops must be an array']],
    [{ size: 1, ops: [{ op: 'free', ptr: 0 }, { op: 'nope' }] }, ["ops[1].op must be one of 'free', 'alloc'"]],
    [{ size: 1, ops: [{ op: 'free' }] }, ['ops[0].ptr is required']],
    [{ size: 1, ops: [{ op: 'free', ptr: 0, extra: 1 }] }, []], // z.object ignores unknown fields: no issue
    [{ size: 1, ops: [{ op: 'alloc' }, { op: 'alloc' }, { op: 'alloc' }] }, ['ops must have at most 2 items']],
    [{ size: 1, step: 6 }, ['step must be a multiple of 4']],
    [{ size: 1, after: 0 }, ['after must be greater than 0']],
    [{ size: 1, code: 'A1' }, ['code is not in the accepted format']],
    [{ size: 1, even: 3 }, ['even must be even']],
    [null, ['the body must be a JSON object']],
    [[1], ['the body must be a JSON object']]
  ]
  for (const [value, expected] of cases) {
    if (expected.length === 0) {
      t.ok(body.safeParse(value).success, JSON.stringify(value))
      continue
    }
    t.same(sentences(body, value), expected, JSON.stringify(value))
  }
  t.same(sentences(z.strictObject({ limit: z.string() }), { limit: 1 }, 'querystring'), ['limit must be a string'])
  t.same(sentences(z.string(), 1, 'querystring'), ['the query must be a string'], 'the whole of a part is named as such')
})

t.test('field names are written the way a client writes them, pointers escaped', async (t) => {
  t.equal(fieldName(['ops', 3, 'ptr'], 'body'), 'ops[3].ptr')
  t.equal(fieldName([], 'params'), 'the path')
  const [item] = validationItems([{ code: 'unrecognized_keys', keys: ['a/b~c'], path: [], message: '', input: {} }], 'body')
  t.same(item, { instancePath: '/a~1b~0c', message: "unknown field 'a/b~c'", keyword: 'unrecognized_keys' })
})

t.test('over HTTP: the problem lists the plain sentences, at most 20, and counts the rest', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app)
  const one = expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload: { size: 1.5, tag: 5, foo: 1 } }), 400, 'validation-error')
  t.same(one.issues, [
    { in: 'body', path: '/size', message: 'size must be an integer' },
    { in: 'body', path: '/tag', message: 'tag must be a string' },
    { in: 'body', path: '/foo', message: "unknown field 'foo'" }
  ])
  t.equal(one.detail, "invalid body: size must be an integer; tag must be a string; unknown field 'foo'")
  t.notMatch(JSON.stringify(one), /expected|received|Unrecognized/, 'none of zod\'s own wording')

  const ops = Array.from({ length: 5000 }, () => ({ op: 'alloc', size: 1.5, tag: 'x'.repeat(40) }))
  const response = await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { ops } })
  const many = expectProblem(t, response, 400, 'validation-error')
  t.equal((many.issues as unknown[]).length, 20)
  t.equal(many.moreIssues, 4980)
  t.same((many.issues as unknown[])[0], { in: 'body', path: '/ops/0/size', message: 'ops[0].size must be an integer' })
  t.ok(response.body.length < 4096, `a small answer (${response.body.length} bytes)`)

  const query = expectProblem(t, await app.inject(`/heaps/${heap.id}/layout?buckets=0&zoom=2`), 400, 'validation-error')
  t.same(query.issues, [
    { in: 'querystring', path: '/buckets', message: 'buckets must be at least 1' },
    { in: 'querystring', path: '/zoom', message: "unknown field 'zoom'" }
  ])
  const path = expectProblem(t, await app.inject(`/heaps/${heap.id}/blocks/x`), 400, 'validation-error')
  t.same(path.issues, [{ in: 'params', path: '/ptr', message: 'ptr must be a non-negative decimal integer' }])
})

t.test('a tag or a name with a lone surrogate is refused naming the field, in single and batch ops; well-formed text is kept exactly', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app)
  const json = { 'content-type': 'application/json' }
  const lone = '{"size":8,"tag":"\\ud800x"}'
  const single = expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, headers: json, payload: lone }), 400, 'validation-error')
  t.same(single.issues, [{ in: 'body', path: '/tag', message: 'tag must be well-formed Unicode (it holds a lone surrogate)' }])
  const batch = expectProblem(t, await app.inject({
    method: 'POST', url: `/heaps/${heap.id}/batch`, headers: json, payload: '{"ops":[{"op":"alloc","size":8,"tag":"ok"},{"op":"alloc","size":8,"tag":"x\\udc00"}]}'
  }), 400, 'validation-error')
  t.same(batch.issues, [{ in: 'body', path: '/ops/1/tag', message: 'ops[1].tag must be well-formed Unicode (it holds a lone surrogate)' }])
  const name = expectProblem(t, await app.inject({ method: 'POST', url: '/heaps', headers: json, payload: '{"size":8,"name":"\\udfff"}' }), 400, 'validation-error')
  t.same(name.issues, [{ in: 'body', path: '/name', message: 'name must be well-formed Unicode (it holds a lone surrogate)' }])
  t.equal(app.registry.get(heap.id).stats().liveBlocks, 0, 'nothing was allocated')
  t.equal(app.registry.count, 1, 'no heap was created')

  // Pairs, astral characters and every other well-formed text come back exactly.
  const tag = 'tex 😀 é \u0000 "q" \\'
  const ptr = await alloc(app, heap.id, 8, { tag })
  t.equal((await app.inject(`/heaps/${heap.id}/blocks/${ptr}`)).json().tag, tag)
  const batched = (await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { ops: [{ op: 'alloc', size: 8, tag }] } })).json()
  t.equal(batched.results[0].tag, tag)
})

t.test('a tag is at most HEAPD_MAX_TAG_LENGTH characters, in single and batch ops', async (t) => {
  const app = await build(t, { limits: { maxTagLength: 4 } })
  const heap = await createHeap(app)
  await alloc(app, heap.id, 8, { tag: 'abcd' })
  const single = expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload: { size: 8, tag: 'abcde' } }), 400, 'validation-error')
  t.same(single.issues, [{ in: 'body', path: '/tag', message: 'tag must be at most 4 characters long' }])
  const batch = expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { ops: [{ op: 'alloc', size: 8, tag: 'abcde' }] } }), 400, 'validation-error')
  t.same(batch.issues, [{ in: 'body', path: '/ops/0/tag', message: 'ops[0].tag must be at most 4 characters long' }])
  const document = (await app.inject('/docs/json')).json()
  t.equal(document.paths['/heaps/{id}/alloc'].post.requestBody.content['application/json'].schema.properties.tag.maxLength, 4, 'the document says so')
})

t.test('a size beyond the safe integers is larger than any heap: exceeds-heap-size, alloc, realloc and batch', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1024 })
  const ptr = await alloc(app, heap.id, 8)
  for (const size of [2048, 2 ** 53, 2 ** 60, 1e300]) {
    const single = expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload: { size } }), 400, 'exceeds-heap-size')
    t.match(single, { requested: size, heapSize: 1024 }, `alloc ${size}`)
    const grown = expectProblem(t, await app.inject({ method: 'PATCH', url: `/heaps/${heap.id}/blocks/${ptr}`, payload: { size } }), 400, 'exceeds-heap-size')
    t.match(grown, { requested: size, heapSize: 1024 }, `realloc ${size}`)
    const batch = (await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { ops: [{ op: 'alloc', size }, { op: 'realloc', ptr, size }] } })).json()
    t.match(batch.results, [{ ok: false, error: { type: /exceeds-heap-size$/, requested: size } }, { ok: false, error: { type: /exceeds-heap-size$/ } }], `batch ${size}`)
    const atomic = expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { atomic: true, ops: [{ op: 'alloc', size: 8 }, { op: 'alloc', size }] } }), 400, 'exceeds-heap-size')
    t.equal(atomic.index, 1)
  }
  t.same(app.registry.get(heap.id).stats().liveBlocks, 1, 'nothing changed')
  for (const size of [1.5, 0, -1]) {
    expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload: { size } }), 400, 'validation-error')
  }
})

t.test('POST /heaps/:id/reset takes no body, an empty JSON body or {}; anything else is refused', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app)
  const reset = async (headers: Record<string, string>, payload?: string) => await app.inject({ method: 'POST', url: `/heaps/${heap.id}/reset`, headers, ...(payload !== undefined ? { payload } : {}) })
  for (const [headers, payload] of [[{}, undefined], [{ 'content-type': 'application/json' }, undefined], [{ 'content-type': 'application/json' }, ''], [{ 'content-type': 'application/json' }, '{}']] as const) {
    await alloc(app, heap.id, 8)
    const response = await reset(headers, payload)
    t.equal(response.statusCode, 200, `${JSON.stringify(headers)} ${JSON.stringify(payload)}`)
    t.equal(response.json().stats.liveBlocks, 0)
  }
  await alloc(app, heap.id, 8)
  const unknown = expectProblem(t, await reset({ 'content-type': 'application/json' }, '{"all":true}'), 400, 'validation-error')
  t.same(unknown.issues, [{ in: 'body', path: '/all', message: "unknown field 'all'" }])
  expectProblem(t, await reset({ 'content-type': 'application/json' }, '{'), 400, 'validation-error')
  expectProblem(t, await reset({ 'content-type': 'application/json' }, '{"__proto__":{"x":1}}'), 400, 'validation-error')
  t.equal(app.registry.get(heap.id).stats().liveBlocks, 1, 'a refused reset frees nothing')
})
