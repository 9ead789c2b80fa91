/**
 * toProblem, the one mapping from a thrown error to the problem a client sees, on the errors the
 * route tests cannot easily provoke: other plugins' client errors by status, validation items
 * with missing parts, the JSON parser's own errors, and errors that are bugs (no problem: the
 * caller answers a generic 500).
 */
import t from 'tap'
import { MAX_LISTED_ISSUES, PROBLEM_TYPE_BASE, toProblem } from '../../src/http/problems.js'
import { BatchOpError } from '../../src/registry/errors.js'
import { OutOfMemoryError } from '../../src/allocator/errors.js'

const fastifyError = (fields: Record<string, unknown>, message = 'plugin said no'): Error => Object.assign(new Error(message), fields)
const typeOf = (error: unknown): string | undefined => toProblem(error, '/heaps/x')?.type.slice(PROBLEM_TYPE_BASE.length)

t.test('client errors of other plugins fold into the catalogue by status', async t => {
  const expected: Array<[number, string]> = [
    [400, 'validation-error'], [401, 'unauthorized'], [403, 'not-found'], [404, 'not-found'], [405, 'not-found'],
    [408, 'request-timeout'], [413, 'payload-too-large'], [414, 'uri-too-long'], [415, 'unsupported-media-type'], [418, 'validation-error'],
    [429, 'quota-exceeded'], [431, 'headers-too-large']
  ]
  for (const [statusCode, type] of expected) {
    const body = toProblem(fastifyError({ statusCode, code: 'PLUGIN_CODE' }), '/heaps/x?limit=5')
    t.equal(body?.type, PROBLEM_TYPE_BASE + type, `${statusCode} -> ${type}`)
    t.equal(body?.instance, '/heaps/x?limit=5')
  }
  t.equal(toProblem(fastifyError({ statusCode: 404, code: 'X' }), '/nowhere?a=1')?.detail, 'nothing is served at /nowhere', 'a 404 names the path, not the query')
  t.equal(toProblem(fastifyError({ statusCode: 401, code: 'X' }, 'who are you'), '/heaps')?.detail, 'who are you', 'other statuses keep the message')
})

t.test('validation items with missing parts still make a complete problem', async t => {
  const body = toProblem(fastifyError({ validation: [{ instancePath: '/', message: undefined }, {}], statusCode: 400 }), '/heaps')
  t.equal(body?.type, PROBLEM_TYPE_BASE + 'validation-error')
  t.same(body?.issues, [{ in: 'body', path: '', message: 'a value is not valid' }, { in: 'body', path: '', message: 'a value is not valid' }], 'body by default, root path, a message')
  t.equal(body?.detail, 'invalid body: a value is not valid; a value is not valid')
  const query = toProblem(fastifyError({ validation: [{ instancePath: '/limit', message: 'too big' }], validationContext: 'querystring' }), '/heaps')
  t.same(query?.issues, [{ in: 'querystring', path: '/limit', message: 'too big' }])
})

t.test('a validation problem lists at most 20 issues and counts the rest', async t => {
  const items = Array.from({ length: 350 }, (_, i) => ({ instancePath: `/ops/${i}/size`, message: `ops[${i}].size must be an integer` }))
  const body = toProblem(fastifyError({ validation: items, statusCode: 400 }), '/heaps/x/batch')
  t.equal(body?.issues?.length, MAX_LISTED_ISSUES)
  t.same(body?.issues?.[19], { in: 'body', path: '/ops/19/size', message: 'ops[19].size must be an integer' })
  t.equal(body?.moreIssues, 330)
  t.match(body?.detail, /ops\[19\]\.size must be an integer; and 330 more issues$/)
  t.ok(JSON.stringify(body).length < 3000, 'a small answer')
  const few = toProblem(fastifyError({ validation: items.slice(0, 20), statusCode: 400 }), '/heaps/x/batch')
  t.equal(few?.issues?.length, 20)
  t.notOk('moreIssues' in few!, 'no count when every issue is listed')
})

t.test('a body over the limit names the limit in bytes when it is known', async t => {
  const tooLarge = fastifyError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 })
  t.match(toProblem(tooLarge, '/heaps', { bodyLimit: 2048 }), { status: 413, limit: 'bodyLimit', limitValue: 2048, detail: 'the request body is larger than the limit of 2048 bytes' })
  t.match(toProblem(tooLarge, '/heaps'), { status: 413, detail: 'the request body is larger than the server accepts' })
})

t.test('the JSON parser\'s own errors and an empty JSON body are validation errors', async t => {
  const syntax = toProblem(new SyntaxError('Unexpected token } in JSON'), '/heaps')
  t.equal(syntax?.type, PROBLEM_TYPE_BASE + 'validation-error')
  t.match(syntax?.detail, /^the body is not valid JSON: Unexpected token/)
  t.equal(typeOf(fastifyError({ statusCode: 400 }, 'Object contains forbidden prototype property')), 'validation-error', 'a 400 without a code: the parser refusing __proto__')
  t.same(toProblem(fastifyError({ code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 }), '/heaps')?.issues, [{ in: 'body', path: '', message: 'body is empty' }])
})

t.test('bugs are not problems: server errors, non-errors, and a batch op failing on one', async t => {
  t.equal(toProblem(new Error('boom'), '/heaps'), undefined, 'a plain error (status 500)')
  t.equal(toProblem(fastifyError({ statusCode: 503, code: 'X' }), '/heaps'), undefined, 'a 5xx from a plugin')
  t.equal(toProblem('a string', '/heaps'), undefined, 'something that is not an Error')
  t.equal(toProblem(new BatchOpError(3, new TypeError('bug')), '/heaps/x/batch'), undefined, 'a batch op that hit a bug')
  const oom = toProblem(new BatchOpError(2, new OutOfMemoryError(100, 50, 10, 1)), '/heaps/x/batch')
  t.match(oom, { type: PROBLEM_TYPE_BASE + 'out-of-memory', index: 2, requested: 100, free: 50, largestFree: 10, detail: /^op 2 failed: / })
})
