/**
 * The heap map's files as the service serves them, without a browser (so this runs even with
 * HEAPD_SKIP_BROWSER=1): the page at `/`, every module it imports, nothing from another origin,
 * no static route in the OpenAPI document or in the way of the API's 404s; and the page's pure
 * helpers (sizes, colours) imported straight into Node.
 */
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { publicDir } from '../../src/http/ui.js'
import { packageRoot } from '../../src/package-root.js'
import { build } from '../helpers/build.js'

t.test('/ serves the page, and every module it imports is served as JavaScript', async (t) => {
  const app = await build(t)
  const page = await app.inject('/')
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.body, '<canvas id="map"')
  t.match(page.body, '<script type="module" src="app.js"></script>')

  // Follow the import graph from app.js: a missing or misnamed module would blank the page.
  const seen = new Set<string>()
  const queue = ['app.js']
  while (queue.length > 0) {
    const path = queue.shift()!
    if (seen.has(path)) continue
    seen.add(path)
    const response = await app.inject(`/${path}`)
    t.equal(response.statusCode, 200, `/${path} is served`)
    t.match(response.headers['content-type'], /^application\/javascript/, `/${path} is JavaScript`)
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : ''
    for (const [, spec] of response.body.matchAll(/^import .* from '(\.[^']+)'$/gm)) {
      queue.push(new URL(spec!, `http://x/${dir}`).pathname.slice(1))
    }
  }
  t.ok(seen.has('js/map.js') && seen.has('js/api.js'), `the graph was followed (${[...seen].join(', ')})`)
  t.equal((await app.inject('/styles.css')).statusCode, 200)
})

t.test('the page works offline: no URL in it points at another origin', async (t) => {
  const files = (await readdir(publicDir, { recursive: true })).filter((f) => /\.(html|js|css)$/.test(f))
  t.ok(files.length >= 5, `${files.length} files checked`)
  for (const file of files) {
    const text = await readFile(join(publicDir, file), 'utf8')
    // The SVG namespace is an identifier, not a download.
    const urls = [...text.matchAll(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s'"`)]*/gi)].map((m) => m[0])
      .filter((url) => url !== 'http://www.w3.org/2000/svg')
    t.same(urls, [], `${file} loads nothing from elsewhere`)
  }
})

t.test('the page stays out of the API\'s way', async (t) => {
  const app = await build(t)
  const unknown = await app.inject('/no-such-page')
  t.equal(unknown.statusCode, 404)
  t.match(unknown.headers['content-type'], /^application\/problem\+json/, 'unknown paths still answer the API\'s problem+json 404')
  t.equal((await app.inject('/heaps')).statusCode, 200, '/heaps is the API')
  t.equal((await app.inject('/docs/json')).statusCode, 200, '/docs is Swagger UI')
  const paths = Object.keys((await app.inject('/docs/json')).json().paths)
  t.notOk(paths.some((p) => p === '/' || /\.(html|js|css)$/.test(p)), 'no static file is documented as an API route')
})

t.test('packageRoot finds the folder holding package.json from src/ and from below it', async (t) => {
  const root = packageRoot()
  t.same(JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).name, 'heapd')
  t.equal(packageRoot(join(root, 'src', 'http')), root)
  t.equal(packageRoot(join(root, 'dist', 'http')), root, 'dist/http resolves to the same root (the folder need not exist)')
  t.equal(publicDir, join(root, 'public'))
})

interface Format {
  parseSize: (text: string) => number | undefined
  tagColor: (tag?: string) => string
  tagColors: (tags: Iterable<string | undefined>) => Map<string, string>
  formatBytesShort: (n: number) => string
  formatBytes: (n: number) => string
  formatPercent: (f: number) => string
}

t.test('the page\'s size parser, byte formats and tag colours', async (t) => {
  // A URL string, not a literal path: the page's plain JS has no type declarations.
  const format = await import(pathToFileURL(join(publicDir, 'js', 'format.js')).href) as Format
  t.equal(format.parseSize('65536'), 65536)
  t.equal(format.parseSize('64K'), 65536)
  t.equal(format.parseSize('64 KiB'), 65536)
  t.equal(format.parseSize('1m'), 2 ** 20)
  t.equal(format.parseSize('2^40'), 2 ** 40)
  t.equal(format.parseSize('1_000_000'), 1_000_000)
  t.equal(format.parseSize('1.5K'), 1536)
  t.equal(format.parseSize('0.3'), undefined, 'not a whole number of bytes')
  t.equal(format.parseSize('2^60'), undefined, 'beyond Number.MAX_SAFE_INTEGER')
  t.equal(format.parseSize('ten'), undefined)
  t.equal(format.parseSize(''), undefined)

  t.equal(format.formatBytesShort(1023), '1023 B')
  t.equal(format.formatBytesShort(1536), '1.5 KiB')
  t.equal(format.formatBytesShort(2 ** 40), '1 TiB')
  t.equal(format.formatBytes(27008), '27,008 B (26.4 KiB)')
  t.equal(format.formatPercent(1 - 424 / 624), '32.1%')

  t.equal(format.tagColor('texture'), format.tagColor('texture'), 'a tag always gets the same colour')
  t.equal(format.tagColor(undefined), format.tagColor(''), 'untagged blocks share one colour')
  const tags = ['texture', 'mesh', 'audio', 'ui', 'physics', 'index', 'a', 'b', 'c', 'font', 'shader', 'vertex']
  t.ok(new Set(tags.map(format.tagColor)).size >= 7, 'tags spread over the palette')
  const together = format.tagColors(tags)
  t.equal(new Set(together.values()).size, tags.length, 'up to twelve tags shown together never share a colour')
  t.same([...format.tagColors([...[...tags].reverse(), undefined])].sort(), [...together].sort(), 'the same tags get the same colours, in any order')
  t.equal(format.tagColors(['texture']).get('texture'), format.tagColor('texture'), 'a tag alone keeps its own colour')
})
