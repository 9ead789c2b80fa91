/** Strategy name -> the FreeIndex that implements its placement policy. */
import { createBestFitIndex } from './best-fit.js'
import { createFirstFitIndex } from './first-fit.js'
import type { FreeIndexFactory } from './free-index.js'
import { createTlsfIndex } from './tlsf.js'
import type { Strategy } from './types.js'

export const FREE_INDEXES: Record<Strategy, FreeIndexFactory> = {
  'first-fit': createFirstFitIndex,
  'best-fit': createBestFitIndex,
  tlsf: createTlsfIndex
}
