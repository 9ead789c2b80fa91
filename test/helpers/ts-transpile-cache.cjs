/**
 * A ts-node transpiler (tsconfig.test.json names it) that keeps each file's output on disk, keyed
 * by its source, the compiler options and the TypeScript version. tap starts every test file in
 * its own process, and ts-node transpiled the same sources (src/, test/helpers/) in each of them
 * again; now only the first process to meet a file pays for it. The output is TypeScript's own
 * transpileModule, with its source map, exactly what ts-node would produce, so coverage maps back
 * to the .ts lines as before. CommonJS because ts-node require()s its transpilers.
 */
'use strict'
const { createHash } = require('node:crypto')
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')

const CACHE = join(__dirname, '..', '..', 'node_modules', '.cache', 'heapd-ts-transpile')

exports.create = function create ({ service, nodeModuleEmitKind }) {
  const ts = require(service.projectLocalResolveHelper('typescript', true))
  const compilerOptions = { ...service.config.options }
  // transpileModule cannot tell an ES module from CommonJS under module NodeNext (it reads no
  // package.json): name the format ts-node asks for, as ts-node's own transpiler does.
  // (Resolution plays no part in transpiling; it only has to be one these modules accept.)
  if (nodeModuleEmitKind === 'nodeesm') {
    compilerOptions.module = ts.ModuleKind.ESNext
    compilerOptions.moduleResolution = ts.ModuleResolutionKind.Bundler
  } else if (nodeModuleEmitKind === 'nodecjs') {
    compilerOptions.module = ts.ModuleKind.CommonJS
    compilerOptions.moduleResolution = ts.ModuleResolutionKind.Node10
  }
  const salt = JSON.stringify([ts.version, nodeModuleEmitKind ?? '', compilerOptions])
  mkdirSync(CACHE, { recursive: true })

  return {
    transpile (input, { fileName }) {
      const key = createHash('sha256').update(salt).update('\0').update(fileName).update('\0').update(input).digest('hex')
      const file = join(CACHE, `${key}.json`)
      try {
        return JSON.parse(readFileSync(file, 'utf8'))
      } catch {}
      const { outputText, sourceMapText, diagnostics } = ts.transpileModule(input, { fileName, compilerOptions, reportDiagnostics: true })
      // Only clean output is kept: a file with diagnostics reports them again on every load.
      if (diagnostics === undefined || diagnostics.length === 0) {
        // Written aside, then renamed: test processes run in parallel and may race on one file.
        const part = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`
        writeFileSync(part, JSON.stringify({ outputText, sourceMapText }))
        renameSync(part, file)
      }
      return { outputText, sourceMapText, diagnostics }
    }
  }
}
