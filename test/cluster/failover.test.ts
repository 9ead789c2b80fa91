/**
 * Failover through nginx (deploy/nginx.conf) in front of three instances on one PostgreSQL, under
 * a stream of keyed changes checked answer by answer against the model:
 * - one instance SIGKILLed mid-stream (frozen first, so requests are in flight on it): its
 *   requests go to the others, and a change cut off in flight is retried with its key and applied
 *   once;
 * - another SIGSTOPped holding every heap, the heaps changed meanwhile on the third, then
 *   SIGCONTed and sent a change for each heap: it answers from the heap as it now is, never from
 *   its stale copy;
 * - at the end every acknowledged change is there, and both survivors and nginx show every heap
 *   laid out identically, as the model does.
 */
import t from 'tap'
import { onDatabase, startInstances, startNginx, type Instance } from './instances.js'
import { postgresFor } from './postgres.js'
import { ChangeStream } from './stream.js'
import { contents, sleep, startModel } from './workload.js'

/** The instance that nginx's access log shows answering the most heaps. */
function busiest (instances: Instance[], accessLog: string): Instance {
  const routes = new Map<string, number>()
  for (const line of accessLog.split('\n')) {
    const match = /^\S+ \/heaps\/([^/\s]+)\S* \d+ (?:\S+, )*127\.0\.0\.1:(\d+)/.exec(line)
    if (match !== null) routes.set(match[1]!, Number(match[2]))
  }
  const heaps = (instance: Instance): number => [...routes.values()].filter((port) => port === instance.port).length
  return instances.reduce((most, instance) => heaps(instance) > heaps(most) ? instance : most)
}

t.test('a killed instance and a paused one lose nothing and fork nothing', async (t) => {
  const postgres = await postgresFor(t)
  const instances = await startInstances(t, 3, onDatabase(postgres.url))
  const nginx = await startNginx(t, instances.map((instance) => instance.port))
  const model = await startModel(t)
  const stream = new ChangeStream(t, model, () => nginx.base, 7)
  await stream.createHeaps(6)

  stream.start()
  await stream.until(60)
  // The instance nginx sends the most heaps to, frozen first so that requests are surely in flight
  // on it when it dies: nginx answers them 502, and the client retries them with their keys.
  const killed = busiest(instances, nginx.accessLog())
  const [paused, survivor] = instances.filter((instance) => instance !== killed) as [Instance, Instance]
  const frozenAt = Date.now()
  killed.pause()
  await sleep(300)
  await killed.kill()
  t.pass(`instance :${killed.port} killed after ${stream.acknowledged} changes`)
  await stream.until(120)
  t.ok(stream.attempts.some((attempt) => attempt.at >= frozenAt && (attempt.error !== undefined || attempt.answer?.status === 502)),
    'changes cut off in flight were retried')

  // Every heap loaded, at its latest version, on the instance about to freeze.
  await stream.hold()
  for (const heapId of stream.heapIds) await stream.change(heapId, paused.base)
  stream.check()
  paused.pause()
  stream.route = () => survivor.base
  stream.release()
  await stream.until(stream.acknowledged + 60)

  // Back from its pause, its copy of every heap is stale: each change must see the heap as it is.
  await stream.hold()
  paused.resume()
  for (const heapId of stream.heapIds) {
    const answer = await stream.change(heapId, paused.base)
    t.ok(answer.status < 500, `resumed :${paused.port} answers a change to a heap that moved (${answer.status})`)
  }
  stream.check()
  stream.route = () => nginx.base
  stream.release()
  await stream.until(stream.acknowledged + 60)
  await stream.stop()

  const cutOff = stream.attempts.filter((attempt) => attempt.error !== undefined || (attempt.answer?.status ?? 0) >= 500).length
  t.comment(`${stream.acknowledged} changes acknowledged, ${cutOff} attempts retried`)
  for (const heapId of stream.heapIds) {
    const expected = (await model({ method: 'GET', path: `/heaps/${heapId}/layout?limit=1000` })).body.items
    const clusterId = stream.ids.toCluster.get(heapId)!
    for (const base of [paused.base, survivor.base, nginx.base]) {
      t.same((await contents(base, clusterId)).layout, expected, `heap ${heapId}: ${base} shows every acknowledged change, once`)
    }
  }
})
