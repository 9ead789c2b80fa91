/**
 * Entry of the test loader: tap passes `--import=./test/loader/register.mjs` to every test
 * process (package.json, tap.node-arg), which registers the hooks that run our .ts files.
 *
 * tap's TypeScript plugin stays on, as it tells tap that .ts files are tests (`npx tap test/http`
 * finds them), but tap.test-env sets TAP_TYPE_STRIP_ONLY=1, which makes its --import skip
 * registering ts-node (on Node 20 nothing strips types in its place: these hooks transpile).
 */
import { register } from 'node:module'

// Had ts-node been registered after all (TAP_TYPE_STRIP_ONLY unset, or a tap that ignores it),
// each file would be transpiled twice and coverage mapped to the wrong lines: say so instead.
if (Reflect.get(process, Symbol.for('ts-node.register.instance')) !== undefined) {
  throw new Error('ts-node is registered besides test/loader: tap.test-env in package.json must set TAP_TYPE_STRIP_ONLY=1')
}

register('./hooks.mjs', import.meta.url)
