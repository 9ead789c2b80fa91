/**
 * `heapd/client`: a typed client of the heapd service. It stands on its own (openapi-fetch and
 * the types generated from openapi/openapi.json), so it runs wherever fetch does.
 */
export { HeapdClient, type HeapdClientOptions } from './client.js'
export { HeapdConnectionError, HeapdError, HeapdTimeoutError } from './errors.js'
export type * from './types.js'
export type { components, operations, paths } from './openapi.generated.js'
