/**
 * TypeScript's own transpileModule output for a .ts file, with its source map inline, kept on
 * disk in node_modules/.cache so that only the first test process to meet a file (after a change
 * to it, to tsconfig.json or to TypeScript) loads the compiler. The output is the one ts-node gave
 * (the same compiler options, ts-node's forced ones included, and its inline map with the .ts file
 * as the only source), so coverage maps back to the .ts lines as before. A cold cache (a fresh
 * clone, `npm ci`) only costs time.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const CACHE = join(ROOT, 'node_modules', '.cache', 'heapd-test-loader')
const TSCONFIG = join(ROOT, 'tsconfig.json')
const require = createRequire(import.meta.url)

/** Bumped when this file changes what it emits. */
const FORMAT = 1

/** What the output depends on besides the file itself: read without loading the compiler. */
const salt = JSON.stringify([FORMAT, require('typescript/package.json').version, readFileSync(TSCONFIG, 'utf8')])

let compiler

/** The compiler and the options, loaded only on a cache miss. */
function loadCompiler () {
  if (compiler !== undefined) return compiler
  const ts = require('typescript')
  const { config, error } = ts.readConfigFile(TSCONFIG, ts.sys.readFile)
  if (error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'))
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT, undefined, TSCONFIG)
  for (const name of ['out', 'outFile', 'composite', 'declarationDir', 'declarationMap', 'emitDeclarationOnly']) delete options[name]
  compiler = {
    ts,
    options: {
      ...options,
      // The options ts-node forces.
      sourceMap: true,
      inlineSourceMap: false,
      inlineSources: true,
      declaration: false,
      noEmit: false,
      outDir: join(ROOT, '.ts-node'),
      // transpileModule reads no package.json, so cannot tell ESM from CommonJS under NodeNext:
      // name ESM, as ts-node does for a file Node loads as an ES module.
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler
    }
  }
  return compiler
}

/** The map as ts-node inlined it: the .ts file its only source, with its text. */
function withInlineMap (outputText, sourceMapText, fileName) {
  const map = JSON.parse(sourceMapText)
  map.file = fileName
  map.sources = [fileName]
  delete map.sourceRoot
  const code = outputText.replace(/\/\/# sourceMappingURL=\S+\s*$/, '')
  // The map comment must stay the last line: tap's coverage looks for it there.
  return `${code}//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`
}

function transpile (fileName, source) {
  const { ts, options } = loadCompiler()
  const { outputText, sourceMapText, diagnostics } = ts.transpileModule(source, { fileName, compilerOptions: options, reportDiagnostics: true })
  if (diagnostics !== undefined && diagnostics.length > 0) {
    const messages = diagnostics.map((d) => {
      const at = d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined
      const where = at === undefined ? fileName : `${fileName}:${at.line + 1}:${at.character + 1}`
      return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
    })
    throw new SyntaxError(messages.join('\n'))
  }
  return withInlineMap(outputText, sourceMapText, fileName)
}

export async function transpiled (fileName, source) {
  const key = createHash('sha256').update(salt).update('\0').update(fileName).update('\0').update(source).digest('hex')
  const file = join(CACHE, `${key}.js`)
  try {
    return readFileSync(file, 'utf8')
  } catch {}
  const output = transpile(fileName, source)
  mkdirSync(CACHE, { recursive: true })
  // Written aside, then renamed: test processes run in parallel and may race on one file.
  const part = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`
  writeFileSync(part, output)
  renameSync(part, file)
  return output
}
