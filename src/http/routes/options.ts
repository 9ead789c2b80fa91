import type { Config } from '../../config.js'
import type { Registry } from '../../registry/registry.js'

/** What every resource's route module is registered with. */
export interface RouteOptions {
  registry: Registry
  config: Config
}
