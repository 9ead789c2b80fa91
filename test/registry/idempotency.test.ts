import t from 'tap'
import { IdempotencyKeys, type IdempotencyRecord } from '../../src/registry/idempotency.js'
import { IdempotencyKeyInFlightError, IdempotencyKeyReusedError } from '../../src/registry/errors.js'

function keys (options: { maxKeys?: number, maxBytes?: number, ttl?: number } = {}) {
  let clock = 1_000_000
  const announced: IdempotencyRecord[] = []
  const table = new IdempotencyKeys({ ttl: options.ttl ?? 60_000, nowMs: () => clock, announce: (record) => announced.push(record), ...options })
  let runs = 0
  const run = (key: string, fingerprint = 'f', body = 'x') => table.run({ tenant: undefined, key, fingerprint }, () => ++runs, (outcome) => outcome.ok ? { status: 200, body: `"${body}"` } : undefined)
  return { table, announced, run, runs: () => runs, advance: (ms: number) => { clock += ms } }
}

t.test('at most maxKeys answers are kept, the oldest forgotten first', async (t) => {
  const k = keys({ maxKeys: 3 })
  for (const key of ['a', 'b', 'c', 'd']) k.run(key)
  t.equal(k.table.size, 3)
  t.equal(k.runs(), 4)
  k.run('d')
  t.equal(k.runs(), 4, 'the newest is remembered')
  k.run('a')
  t.equal(k.runs(), 5, 'the oldest was forgotten: its retry runs')
})

t.test('at most maxBytes of answers are kept', async (t) => {
  const k = keys({ maxBytes: 100 })
  k.run('a', 'f', 'x'.repeat(60))
  k.run('b', 'f', 'y'.repeat(60))
  t.equal(k.table.size, 1, 'the first answer gave way to the second')
  k.run('b', 'f', 'y'.repeat(60))
  t.equal(k.runs(), 2)
})

t.test('expired keys are dropped as keyed requests come, a few at a time', async (t) => {
  const k = keys({ ttl: 1000 })
  for (let i = 0; i < 20; i++) k.run(`k${i}`)
  k.advance(1000)
  k.run('new')
  t.equal(k.table.size, 20 - 8 + 1, 'eight expired entries dropped by one request')
  k.run('new2')
  k.run('new3')
  t.equal(k.table.size, 3, 'the rest by the next ones')
})

t.test('a different request under a key is refused, a running one too; an error without an answer frees the key', async (t) => {
  const k = keys()
  k.run('a', 'one')
  t.throws(() => k.run('a', 'two'), IdempotencyKeyReusedError)
  t.throws(() => k.table.run({ tenant: undefined, key: 'b', fingerprint: 'f' }, () => k.run('b'), (outcome) => outcome.ok ? { status: 200 } : undefined), IdempotencyKeyInFlightError)
  t.equal(k.table.size, 1, 'the key whose request failed unanswered is free again')
  t.throws(() => k.table.run({ tenant: 'acme', key: 'c', fingerprint: 'f' }, () => { throw new Error('unavailable') }, () => undefined), /unavailable/)
  t.equal(k.table.size, 1)
  t.same(k.announced.map((record) => record.key), ['a'], 'answers no change carried are announced for the store')
})

t.test('loaded records are kept unless expired, per tenant', async (t) => {
  const k = keys()
  const answer = { status: 201, body: '{}' }
  t.equal(k.table.load([
    { scope: '', key: 'open', fingerprint: 'f', expiresAt: 2_000_000, answer },
    { scope: 'acme', key: 'open', fingerprint: 'g', expiresAt: 2_000_000, answer },
    { scope: '', key: 'old', fingerprint: 'f', expiresAt: 1_000_000, answer }
  ]), 2)
  t.same(k.table.run({ tenant: 'acme', key: 'open', fingerprint: 'g' }, () => 1, () => ({ status: 500 })), answer)
  t.throws(() => k.run('open', 'g'), IdempotencyKeyReusedError, 'the open service\'s key is another one')
})
