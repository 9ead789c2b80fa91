/**
 * Entry of the test loader: tap passes `--import=./test/loader/register.mjs` to every test
 * process (package.json, tap.node-arg), which registers the hooks that run our .ts files.
 */
import { register } from 'node:module'

register('./hooks.mjs', import.meta.url)
