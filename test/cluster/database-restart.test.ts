/**
 * PostgreSQL stopped (pg_ctl stop -m fast, every connection cut) and started again under a stream
 * of keyed changes to two instances: while it is down, /readyz and every /heaps request answer 503
 * `unavailable` with Retry-After, never a 500; nothing acknowledged is lost; both instances
 * recover by themselves, without a restart, and show every heap as the model does.
 */
import t from 'tap'
import { prng } from '../helpers/prng.js'
import { onDatabase, startInstances } from './instances.js'
import { postgresFor } from './postgres.js'
import { ChangeStream } from './stream.js'
import { call, contents, sleep, startModel } from './workload.js'

const UNAVAILABLE = 'https://heapd.dev/problems/unavailable'

t.test('the database goes down and comes back mid-stream', async (t) => {
  const postgres = await postgresFor(t)
  const instances = await startInstances(t, 2, onDatabase(postgres.url))
  const model = await startModel(t)
  const random = prng(11)
  const stream = new ChangeStream(t, model, () => instances[Math.floor(random() * instances.length)]!.base, 13)
  await stream.createHeaps(4)

  stream.start()
  await stream.until(40)
  const before = stream.acknowledged
  await postgres.takeDown()
  const downAt = Date.now()

  for (const instance of instances) {
    const ready = await call(instance.base, { method: 'GET', path: '/readyz' })
    t.equal(ready.status, 503, `:${instance.port} is not ready while the database is down`)
    const read = await call(instance.base, { method: 'GET', path: `/heaps/${stream.ids.toCluster.get(stream.heapIds[0]!)}` })
    t.equal(read.status, 503, 'a read answers 503')
    t.equal(read.body?.type, UNAVAILABLE)
    t.ok(Number(read.headers['retry-after']) > 0, 'with Retry-After')
  }
  await sleep(1500)
  t.ok(stream.acknowledged - before <= stream.heapIds.length, 'no change is acknowledged while the database is down (beyond those committed as it went)')
  await postgres.bringUp()
  const upAt = Date.now()

  const until = Date.now() + 20_000
  for (const instance of instances) {
    while ((await call(instance.base, { method: 'GET', path: '/readyz' })).status !== 200) {
      if (Date.now() > until) throw new Error(`:${instance.port} not ready 20 s after the database came back`)
      await sleep(100)
    }
  }
  await stream.until(stream.acknowledged + 40)
  await stream.stop()

  const whileDown = stream.attempts.filter((attempt) => attempt.at > downAt && attempt.at < upAt && attempt.answer !== undefined)
  const refused = whileDown.filter((attempt) => attempt.answer!.status === 503)
  t.ok(refused.length > 0, `changes sent while the database was down were refused (${refused.length})`)
  for (const attempt of refused) {
    t.equal(attempt.answer!.body?.type, UNAVAILABLE, '503 unavailable')
    t.ok(Number(attempt.answer!.headers['retry-after']) > 0, 'with Retry-After')
  }
  t.notOk(stream.attempts.some((attempt) => attempt.answer?.status === 500), 'never a 500')
  t.ok(instances.every((instance) => instance.child.exitCode === null && instance.child.signalCode === null), 'no instance restarted')

  for (const heapId of stream.heapIds) {
    const expected = (await model({ method: 'GET', path: `/heaps/${heapId}/layout?limit=1000` })).body.items
    for (const instance of instances) {
      t.same((await contents(instance.base, stream.ids.toCluster.get(heapId)!)).layout, expected, `heap ${heapId} on :${instance.port}: every acknowledged change, once`)
    }
  }
})
