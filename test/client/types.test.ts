/**
 * Type tests: expected-types.ts compiles, which means every expected use type-checks and every
 * line marked `@ts-expect-error` is refused by the compiler (an unused marker is itself an error).
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import t from 'tap'
import { ROOT } from '../helpers/built-server.js'

t.test('expected uses compile and expected misuses do not', async (t) => {
  const source = readFileSync(new URL('expected-types.ts', import.meta.url), 'utf8')
  t.ok((source.match(/@ts-expect-error/g) ?? []).length >= 10, 'the file holds the misuses')
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'test/client/tsconfig.types.json'], { cwd: ROOT, encoding: 'utf8' })
  t.equal(tsc.status, 0, tsc.stdout + tsc.stderr)
})
