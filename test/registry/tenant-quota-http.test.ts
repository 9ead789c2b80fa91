/** HEAPD_MAX_BLOCKS_PER_TENANT over HTTP: 429 quota-exceeded naming the limit, the other tenant unaffected. */
import t from 'tap'
import { build, expectProblem } from '../helpers/build.js'

const KEYS = [{ key: 'key-of-alpha', tenant: 'alpha' }, { key: 'key-of-bravo', tenant: 'bravo' }]

t.test('a tenant past its live blocks gets 429 quota-exceeded with limit maxBlocksPerTenant; another tenant still allocates', async (t) => {
  const app = await build(t, { apiKeys: KEYS, limits: { maxBlocksPerTenant: 2, maxBlocksTotal: 100 } })
  const as = (key: string) => ({ authorization: `Bearer ${key}` })
  const heapOf = async (key: string) => (await app.inject({ method: 'POST', url: '/heaps', headers: as(key), payload: { size: 1024 } })).json().id as string
  const alpha = [await heapOf('key-of-alpha'), await heapOf('key-of-alpha')]
  const bravo = await heapOf('key-of-bravo')
  const alloc = (key: string, id: string) => app.inject({ method: 'POST', url: `/heaps/${id}/alloc`, headers: as(key), payload: { size: 8 } })
  t.equal((await alloc('key-of-alpha', alpha[0]!)).statusCode, 201)
  t.equal((await alloc('key-of-alpha', alpha[1]!)).statusCode, 201)
  const refused = expectProblem(t, await alloc('key-of-alpha', alpha[1]!), 429, 'quota-exceeded')
  t.match(refused, { limit: 'maxBlocksPerTenant', limitValue: 2 })
  t.equal((await alloc('key-of-bravo', bravo)).statusCode, 201, 'the other tenant is not held back')
})
