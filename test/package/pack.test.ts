/**
 * The allocator as another project gets it: `npm pack` of this package, unpacked into a folder
 * outside the repository as npm installs it (node_modules/heapd), then a small TypeScript file
 * importing 'heapd/allocator' is type-checked by tsc and run by node. The package's runtime
 * dependencies are not installed there: the allocator needs none, and nothing above the temporary
 * folder can lend them.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureBuilt, ROOT } from '../helpers/built-server.js'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

function run (command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}:\n${result.stdout}${result.stderr}`)
  return result.stdout
}

const CONSUMER = `import { createAllocator, ExceedsHeapSizeError, InvalidArgumentError, type Allocator, type HeapStats } from 'heapd/allocator'

// No @types/node here: the consumer needs nothing but heapd's own types.
declare const console: { log (line: string): void }

const heap: Allocator = createAllocator({ size: 1024, strategy: 'tlsf' })
const first: number = heap.alloc(100)
const second: number = heap.alloc(200, 64)
heap.free(first)
const stats: HeapStats = heap.stats()
let full = false
try {
  heap.alloc(4096)
} catch (error) {
  full = error instanceof ExceedsHeapSizeError
}
let refused = false
try {
  // @ts-expect-error: the types are real, so a string size does not type-check.
  heap.alloc('16')
} catch (error) {
  refused = error instanceof InvalidArgumentError
}
console.log(JSON.stringify({ first, second, liveBlocks: stats.liveBlocks, full, refused }))
`

t.test('npm pack, unpacked elsewhere: a typed import of heapd/allocator compiles and runs', async (t) => {
  ensureBuilt()
  const dir = mkdtempSync(join(tmpdir(), 'heapd-pack-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))

  // dist is built above (as npm test's pretest does), so the prepare script need not run again.
  const [packed] = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT)) as Array<{ filename: string, files: Array<{ path: string }> }>
  const paths = packed!.files.map((file) => file.path)
  t.ok(paths.includes('dist/allocator/index.js'), 'the tarball carries the allocator')
  t.ok(paths.includes('dist/allocator/index.d.ts'), 'and its types')
  t.ok(paths.includes('LICENSE'), 'and the licence')
  t.ok(paths.includes('public/index.html'), 'and the heap map the server serves')
  t.same(paths.filter((path) => !/^(dist\/|public\/|package\.json$|README\.md$|LICENSE$)/.test(path)), [], 'and nothing but dist, public, package.json, README and LICENSE')

  const app = join(dir, 'app')
  mkdirSync(join(app, 'node_modules', 'heapd'), { recursive: true })
  // npm packs the package under package/; it installs that folder as node_modules/heapd.
  run('tar', ['-xzf', join(dir, packed!.filename), '-C', join(app, 'node_modules', 'heapd'), '--strip-components=1'], dir)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'heapd-consumer', private: true, type: 'module' }))
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2023', lib: ['ES2023'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: [], outDir: 'out' },
    files: ['main.ts']
  }))
  writeFileSync(join(app, 'main.ts'), CONSUMER)

  run(process.execPath, [tsc, '-p', 'tsconfig.json'], app)
  const output = JSON.parse(run(process.execPath, [join(app, 'out', 'main.js')], app).trim()) as Record<string, unknown>
  t.equal(output.first, 0, 'the first block starts the heap')
  t.equal(output.liveBlocks, 1, 'one block is live after the free')
  t.equal(output.full, true, 'a block larger than the heap throws ExceedsHeapSizeError')
  t.equal((output.second as number) % 64, 0, 'the aligned block is aligned')
  t.equal(output.refused, true, 'a size that is not a number throws InvalidArgumentError')

  const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 'heapd', 'package.json'), 'utf8')) as { exports: Record<string, unknown> }
  t.match(manifest.exports['./allocator'], { types: './dist/allocator/index.d.ts' }, 'the export names its types')
})
