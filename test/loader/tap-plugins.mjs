/**
 * `npm test` runs this before tap (pretest): it rebuilds tap's Test class when it was built with
 * other plugins than package.json names (as after `npm ci`, which installs tap built with its
 * TypeScript plugin). tap would notice and rebuild by itself, but only after it had chosen the
 * loaders of that run's test processes: the first run would still load ts-node as well as
 * register.mjs, transpile every file twice, and map coverage to the wrong lines.
 */
import { spawnSync } from 'node:child_process'
import { TapConfig } from '@tapjs/config'

// @tapjs/core first: @tapjs/test imported alone trips over its import cycle with core.
await import('@tapjs/core')
const { signature } = await import('@tapjs/test')
const config = await TapConfig.load()

if (signature !== config.pluginSignature) {
  console.error('tap: building its Test class with the plugins package.json names')
  const build = spawnSync('npx', ['tap', 'build'], { stdio: 'inherit' })
  process.exit(build.status ?? 1)
}
