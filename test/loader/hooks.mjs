/**
 * Module hooks that let Node 20 run the TypeScript of src/ and test/ in the test processes, in
 * place of the ts-node that tap's TypeScript plugin registers (it loaded the TypeScript compiler,
 * about 0.5 s of CPU, twice in every test process). Each .ts file is transpiled once
 * (transpile.mjs keeps the output on disk), so a test process normally never loads TypeScript.
 *
 * The transpiled source is handed on down the chain (nextLoad with `source`), not returned
 * directly: tap's coverage hook (@tapjs/processinfo) sits below this one and must still see every
 * file with its inline source map, or the coverage report no longer maps back to the .ts lines.
 */
import { statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { transpiled } from './transpile.mjs'

/** `.js` in an import names the `.ts` file beside it, as under TypeScript's NodeNext resolution. */
const EMITTED = /\.(m|c)?js$/
const TYPESCRIPT = /\.(m|c)?ts$/

function isFile (url) {
  try {
    return statSync(url).isFile()
  } catch {
    return false
  }
}

export async function resolve (specifier, context, nextResolve) {
  const { parentURL } = context
  if (parentURL?.startsWith('file:') && !parentURL.includes('/node_modules/') && EMITTED.test(specifier) &&
      (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:'))) {
    const url = new URL(specifier.replace(EMITTED, '.$1ts'), parentURL)
    if (isFile(url)) return { url: url.href, format: 'module', shortCircuit: true }
  }
  return nextResolve(specifier, context)
}

export async function load (url, context, nextLoad) {
  if (!url.startsWith('file:') || url.includes('/node_modules/') || !TYPESCRIPT.test(new URL(url).pathname)) {
    return nextLoad(url, context)
  }
  const file = fileURLToPath(url)
  if (file.endsWith('.cts')) throw new Error(`${file}: the test loader runs ES modules only`)
  // package.json says "type": "module": every .ts here is an ES module, as TypeScript emits it.
  const source = await transpiled(file, await readFile(file, 'utf8'))
  return nextLoad(url, { ...context, format: 'module', source })
}
