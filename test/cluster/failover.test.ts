/**
 * Failover through nginx (deploy/nginx.conf) in front of three instances on one PostgreSQL, under
 * a stream of keyed changes checked answer by answer against the model:
 * - one instance SIGKILLed mid-stream: its requests go to the others, and a change cut off in
 *   flight is retried with its key and applied once;
 * - another SIGSTOPped holding every heap, the heaps changed meanwhile on the third, then
 *   SIGCONTed and sent a change for each heap: it answers from the heap as it now is, never from
 *   its stale copy;
 * - at the end every acknowledged change is there, and both survivors and nginx show every heap
 *   laid out identically, as the model does.
 */
import t from 'tap'
import { onDatabase, startInstances, startNginx } from './instances.js'
import { postgresFor } from './postgres.js'
import { ChangeStream } from './stream.js'
import { contents, startModel } from './workload.js'

t.test('a killed instance and a paused one lose nothing and fork nothing', async (t) => {
  const postgres = await postgresFor(t)
  const instances = await startInstances(t, 3, onDatabase(postgres.url))
  const [killed, paused, survivor] = instances as [typeof instances[0], typeof instances[0], typeof instances[0]]
  const nginx = await startNginx(t, instances.map((instance) => instance.port))
  const model = await startModel(t)
  const stream = new ChangeStream(t, model, () => nginx.base, 7)
  await stream.createHeaps(6)

  stream.start()
  await stream.until(60)
  await killed.kill()
  t.pass(`instance :${killed.port} killed after ${stream.acknowledged} changes`)
  await stream.until(120)

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
