/** The app configurations the HTTP fuzz runs against, and how many requests each gets in npm test. */
import type { ConfigOverrides } from '../../src/config.js'

export interface FuzzConfig {
  name: string
  overrides: ConfigOverrides
  /** Requests in `npm test`; `npm run fuzz` scales these up. */
  requests: number
}

export const FUZZ_CONFIGS: FuzzConfig[] = [
  { name: 'default limits', overrides: {}, requests: 4000 },
  {
    name: 'tight limits (quotas, body limit, page size)',
    overrides: {
      limits: { maxHeaps: 6, maxHeapSize: 2 ** 40, maxBlocksPerHeap: 8, maxBatchOps: 16, bodyLimit: 4096, maxPageSize: 5, defaultPageSize: 3 }
    },
    requests: 3000
  },
  {
    name: 'API keys, two tenants',
    overrides: { apiKeys: [{ key: 'key-aaaaaaaa', tenant: 'a' }, { key: 'key-bbbbbbbb', tenant: 'b' }, { key: 'key-aaaaaaa2', tenant: 'a' }] },
    requests: 3000
  }
]
