/**
 * HeapdClient has a method for every operation of openapi/openapi.json: a route added to the
 * service fails this test until the client covers it.
 */
import { readFileSync } from 'node:fs'
import t from 'tap'
import { HeapdClient } from '../../src/client/index.js'
import { OPENAPI_FILE } from '../../scripts/openapi.js'

const METHOD_OF: Record<string, keyof HeapdClient> = {
  createHeap: 'createHeap',
  listHeaps: 'listHeaps',
  getHeap: 'getHeap',
  deleteHeap: 'deleteHeap',
  resetHeap: 'resetHeap',
  allocBlock: 'alloc',
  listBlocks: 'listBlocks',
  getBlock: 'getBlock',
  reallocBlock: 'realloc',
  freeBlock: 'free',
  runBatch: 'batch',
  getStats: 'stats',
  getLayout: 'layout',
  createDefragPlan: 'planDefrag',
  getDefragPlan: 'getDefragPlan',
  abortDefragPlan: 'abortDefragPlan',
  commitDefragPlan: 'commitDefragPlan',
  getTrace: 'trace',
  replayTrace: 'replay',
  healthz: 'health',
  readyz: 'ready'
}

t.test('one method per operationId', async (t) => {
  const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as { paths: Record<string, Record<string, { operationId: string }>> }
  const ids = Object.values(document.paths).flatMap((item) => Object.values(item).map((operation) => operation.operationId))
  t.ok(ids.length > 10)
  for (const id of ids) {
    const method = METHOD_OF[id]
    t.ok(method !== undefined && typeof HeapdClient.prototype[method] === 'function', `${id}: HeapdClient.${String(method)}`)
  }
})
