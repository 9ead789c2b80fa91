/**
 * The heap map in a real browser: playwright-core drives Chromium against the real app
 * (buildApp, listening on a free port). It creates a heap and three blocks through the page's
 * forms, frees the middle block by clicking it on the canvas, and checks the map's segments, the
 * segment table and the stats; then the keyboard path, an API error, the occupancy view of a heap
 * too big to draw block by block, a phone-sized viewport (no sideways scroll; picking a heap
 * scrolls to its map), and Swagger UI's "Try it out".
 *
 * Chromium: HEAPD_CHROMIUM, else /usr/bin/chromium (Debian's package).
 * Screenshots go to test/screenshots/ (git-ignored). HEAPD_UPDATE_SCREENSHOT=1 also copies the
 * 1280x800 map to docs/heap-map.png for the README. HEAPD_SKIP_BROWSER=1 skips the whole file.
 */
import { existsSync } from 'node:fs'
import { copyFile, mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import type { Browser, BrowserContextOptions, Page } from 'playwright-core'
import { loadConfig } from '../../src/config.js'
import { buildApp } from '../../src/http/app.js'
import { CHROMIUM, SHOTS, servedInChromium } from '../helpers/browser.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const shots = SHOTS

interface Segment { offset: number, size: number, state: 'used' | 'free', ptr?: number, tag?: string }

// Functions given to page.evaluate and waitForFunction run in the browser (Playwright sends their
// source; strings would need eval, which the service's Content-Security-Policy rightly forbids).
// The tests' tsconfig has no DOM lib, so the little they touch is declared here, for this file.
interface PageElement {
  id: string
  textContent: string | null
  dataset: Record<string, string | undefined>
  getAttribute: (name: string) => string | null
  getBoundingClientRect: () => { top: number, bottom: number }
}
declare const document: {
  querySelector: (selector: string) => PageElement | null
  querySelectorAll: (selector: string) => Iterable<PageElement>
  activeElement: PageElement | null
  documentElement: { scrollWidth: number, scrollHeight: number }
}
declare const window: { innerWidth: number, innerHeight: number, scrollTo: (x: number, y: number) => void }

const used = (offset: number, size: number, tag?: string): Segment => ({ offset, size, state: 'used', ptr: offset, ...(tag ? { tag } : {}) })
const free = (offset: number, size: number): Segment => ({ offset, size, state: 'free' })

async function browserTests () {
  // playwright's launch starts from a fresh temporary profile (its own --user-data-dir) every time.
  const { base, browser } = await servedInChromium(t, buildApp(loadConfig({})))

  const api = async <T = unknown> (method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(base + path, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    })
    return (response.status === 204 ? undefined : await response.json()) as T
  }

  // One desktop page for the whole story, as a person would use it; a second for the phone.
  const page = await newPage(browser, 1280, 800)
  await page.goto(`${base}/`)

  await t.test('create a heap, allocate three blocks, free the middle one by clicking it', async (t) => {
    await page.fill('#create-size', '1024')
    await page.selectOption('#create-strategy', 'first-fit')
    await page.fill('#create-name', 'browser-test')
    await page.click('#create-form button[type=submit]')
    await page.waitForSelector('#heap-view:not([hidden])')
    await page.waitForFunction(() => document.querySelector('#map-title')?.textContent === 'Heap browser-test')
    t.match(new URL(page.url()).hash, /^#heap=[\w-]{16,}$/, 'the page shows the new heap and keeps its id in the URL')
    t.match(await page.textContent('#heap-list'), /browser-test\s*first-fit\s*1 KiB\s*0\.0%\s*0\.0%/, 'the heap list shows strategy, size, used and fragmentation')

    for (const [size, tag] of [['100', 'a'], ['200', 'b'], ['300', 'c']] as const) {
      await page.fill('#alloc-size', size)
      await page.fill('#alloc-tag', tag)
      await page.click('#alloc-form button[type=submit]')
      await page.waitForFunction((tag) => document.querySelector('#messages')?.textContent?.includes(`(tag ${tag})`), tag)
    }
    t.same(await waitForSegments(page, [used(0, 100, 'a'), used(100, 200, 'b'), used(300, 300, 'c'), free(600, 424)]),
      [used(0, 100, 'a'), used(100, 200, 'b'), used(300, 300, 'c'), free(600, 424)], 'the map draws the three blocks and the free tail')

    // Hover the middle of block b (byte 200) where the map draws it, then click it.
    const point = await mapPoint(page, 200)
    await page.mouse.move(point.x, point.y)
    const tooltip = await page.textContent('#tooltip')
    t.match(tooltip, /ptr 100 \(0x64\)/, 'hover shows the ptr')
    t.match(tooltip, /size 200 B/, 'hover shows the size')
    t.match(tooltip, /tag b/, 'hover shows the tag')
    await page.mouse.click(point.x, point.y)

    const after = [used(0, 100, 'a'), free(100, 200), used(300, 300, 'c'), free(600, 424)]
    t.same(await waitForSegments(page, after), after, 'the map follows: the middle block is a free range now')
    t.same(await tableSegments(page), after, 'the segment table lists the same segments')
    t.equal(await page.locator('#segments button', { hasText: 'Free' }).count(), 2, 'each used block has a Free button')
    t.equal(await page.textContent('#messages'), 'Freed the block at ptr 100.', 'the action is announced')

    await page.waitForFunction(() => document.querySelector('[data-stat=liveBlocks]')?.textContent === '2')
    t.same(await statsText(page), {
      used: '400 B · 39.1%',
      free: '624 B',
      largestFree: '424 B',
      fragmentation: '32.1%', // 1 - 424 / 624
      sawicki: '24.9%', // 1 - sqrt(200² + 424²) / 624
      liveBlocks: '2',
      freeRanges: '2',
      peakUsed: '600 B',
      allocsFrees: '3 / 1',
      failedAllocs: '0'
    }, 'the stats panel shows the heap after the free')
    t.match(await page.getAttribute('#chart polyline.used', 'points'), /\d+(\.\d+)?,\d+(\.\d+)? \d/, 'the chart has plotted samples')
    noPageErrors(t, page)
  })

  await t.test('keyboard: Free buttons, errors in the live region, reset', async (t) => {
    await page.focus('button[aria-label="Free block at 300"]')
    await page.keyboard.press('Enter')
    t.same(await waitForSegments(page, [used(0, 100, 'a'), free(100, 924)]), [used(0, 100, 'a'), free(100, 924)],
      'Enter on a Free button frees that block')
    t.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Free block at 0',
      'focus stays in the table, on the next Free button')

    await page.fill('#alloc-size', '5000')
    await page.press('#alloc-size', 'Enter')
    await page.waitForSelector('#messages.error')
    t.match(await page.textContent('#messages'), /5000/, 'a request larger than the heap shows the problem\'s title and detail')
    t.equal(await page.getAttribute('#messages', 'aria-live'), 'polite', 'in an aria-live region')

    await page.click('#reset-heap')
    t.same(await waitForSegments(page, [free(0, 1024)]), [free(0, 1024)], 'reset frees every block')
    await page.waitForFunction(() => document.querySelector('[data-stat=liveBlocks]')?.textContent === '0')

    // The map itself: Tab to it, the first block is chosen, Delete frees it.
    await page.fill('#alloc-size', '64')
    await page.fill('#alloc-tag', '')
    await page.press('#alloc-size', 'Enter')
    await waitForSegments(page, [used(0, 64), free(64, 960)])
    await page.focus('#map')
    t.match(await page.textContent('#map-info'), /^ptr 0 \(0x0\) · size 64 B/, 'focusing the map chooses its first block and names it')
    await page.keyboard.press('Delete')
    t.same(await waitForSegments(page, [free(0, 1024)]), [free(0, 1024)], 'Delete on the map frees the chosen block')
    noPageErrors(t, page)
  })

  await t.test('a fragmented heap at 1280x800 and on a phone (screenshots)', async (t) => {
    // Some churn through the API, as another client would cause it.
    const heap = await api<{ id: string }>('POST', '/heaps', { size: 64 * 1024, strategy: 'first-fit', name: 'gpu-arena' })
    const tags = ['texture', 'mesh', 'audio', 'ui', 'physics', 'index']
    let seed = 42
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const ops = Array.from({ length: 90 }, () => ({ op: 'alloc', size: 64 * (1 + Math.floor(random() * 12)), tag: tags[Math.floor(random() * tags.length)] }))
    const allocated = await api<{ results: Array<{ ok: boolean, ptr: number }> }>('POST', `/heaps/${heap.id}/batch`, { ops })
    const ptrs = allocated.results.filter((r) => r.ok).map((r) => r.ptr)

    await page.evaluate(() => window.scrollTo(0, 0))
    await page.click('#heap-list button:text-is("gpu-arena")')
    await page.waitForSelector(`#map[data-segments*='"offset":${ptrs.at(-1)},']`)
    // Free every third block while the page watches: the map and the chart follow.
    await api('POST', `/heaps/${heap.id}/batch`, { ops: ptrs.filter((_, i) => i % 3 === 1).map((ptr) => ({ op: 'free', ptr })) })
    const layout = await api<{ items: Segment[] }>('GET', `/heaps/${heap.id}/layout?limit=1000`)
    t.same(await waitForSegments(page, layout.items), layout.items, 'selected in the list, the map shows the segments the API reports')
    await page.fill('#alloc-size', '512')
    await page.fill('#alloc-tag', 'texture')
    await page.click('#alloc-form button[type=submit]')
    await page.waitForFunction(() => document.querySelector('#messages')?.textContent?.startsWith('Allocated 512 B at ptr '))
    const block = layout.items.filter((s) => s.state === 'used')[25]!
    const point = await mapPoint(page, block.offset + block.size / 2)
    await page.mouse.move(point.x, point.y)
    t.match(await page.textContent('#tooltip'), `ptr ${block.offset.toLocaleString('en-US')}`, 'hover names the block')
    const desktop = join(shots, 'heap-map-1280x800.png')
    await page.screenshot({ path: desktop })
    if (process.env.HEAPD_UPDATE_SCREENSHOT === '1') {
      await mkdir(join(root, 'docs'), { recursive: true })
      await copyFile(desktop, join(root, 'docs', 'heap-map.png'))
    }

    const now = await api<{ items: Segment[] }>('GET', `/heaps/${heap.id}/layout?limit=1000`)
    const phone = await newPage(browser, 390, 844, { hasTouch: true, isMobile: true })
    await phone.goto(`${base}/#heap=${heap.id}`)
    t.same(await waitForSegments(phone, now.items), now.items, 'a link with #heap=ID opens that heap\'s map')
    t.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling at 390 px')
    const box = await phone.locator('#map').boundingBox()
    t.ok(box !== null && box.x >= 0 && box.x + box.width <= 390, 'the map fits the phone\'s width')
    await phone.screenshot({ path: join(shots, 'heap-map-390x844.png') })

    // Touch has no hover: the first tap names a block, the second frees it.
    const target = now.items.filter((s) => s.state === 'used')[3]!
    const tap = await mapPoint(phone, target.offset + target.size / 2)
    await phone.touchscreen.tap(tap.x, tap.y)
    t.match(await phone.textContent('#map-info'), `ptr ${target.offset.toLocaleString('en-US')} `, 'a first tap names the block')
    t.match(await phone.getAttribute('#map', 'data-segments'), `"offset":${target.offset},"size":${target.size},"state":"used"`, 'and keeps it')
    await phone.touchscreen.tap(tap.x, tap.y)
    await phone.waitForSelector(`#map:not([data-segments*='"offset":${target.offset},"size":${target.size},"state":"used"'])`)
    t.pass('a second tap frees it')

    // Picking a heap in the list, at the bottom of the one-column page, brings its map into view.
    await phone.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight))
    const pick = phone.locator('#heap-list button:text-is("browser-test")')
    await pick.waitFor()
    t.ok(await phone.evaluate(() => document.querySelector('#map-card')!.getBoundingClientRect().bottom <= 0),
      'scrolled down to the heap list, the map is out of view')
    await pick.tap()
    await phone.waitForFunction(() => document.querySelector('#map-title')?.textContent === 'Heap browser-test')
    await phone.waitForFunction(() => {
      const top = document.querySelector('#map-card')!.getBoundingClientRect().top
      return top >= 0 && top <= 16
    })
    t.pass('picking a heap scrolls the page to its map')
    t.equal(await phone.evaluate(() => document.activeElement?.id), 'map-card', 'and moves the focus there')
    t.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'still no sideways scrolling')
    await phone.screenshot({ path: join(shots, 'heap-map-390x844-picked.png') })
    noPageErrors(t, page)
    noPageErrors(t, phone)
    await phone.context().close()
  })

  await t.test('a heap with too many segments shows the zoomable occupancy view', async (t) => {
    const heap = await api<{ id: string }>('POST', '/heaps', { size: 2 ** 40, name: 'huge' })
    const allocs = Array.from({ length: 6000 }, () => ({ op: 'alloc', size: 4096 }))
    await api('POST', `/heaps/${heap.id}/batch`, { ops: allocs })
    // Free every other block: 6000 segments, more than the map draws one by one.
    await api('POST', `/heaps/${heap.id}/batch`, { ops: Array.from({ length: 3000 }, (_, i) => ({ op: 'free', ptr: 2 * i * 4096 })) })

    await page.click('#heap-list button:text-is("huge")')
    await page.waitForSelector('#map[data-mode=buckets]')
    t.equal(await page.getAttribute('#map', 'data-to'), String(2 ** 40), 'the whole heap first')
    t.match(await page.textContent('#map-range'), /occupancy in \d+ slices/, 'the range line says it is an occupancy view')

    // Drag across the start of the first row: zoom into that range.
    const first = await mapPoint(page, 0)
    await page.mouse.move(first.x + 1, first.y)
    await page.mouse.down()
    await page.mouse.move(first.x + 60, first.y, { steps: 4 })
    await page.mouse.up()
    await page.waitForFunction((whole) => document.querySelector('#map')?.dataset.to !== whole, String(2 ** 40))
    const to = Number(await page.getAttribute('#map', 'data-to'))
    t.ok(to < 2 ** 40 / 100, `dragging zooms in (now [0, ${to}))`)
    await page.waitForFunction(() => document.querySelector('#map-range')?.textContent?.startsWith('Bytes '))
    await page.click('#zoom-all')
    await page.waitForFunction((whole) => document.querySelector('#map')?.dataset.to === whole, String(2 ** 40))
    t.pass('"Whole heap" zooms back out')
    await page.screenshot({ path: join(shots, 'heap-map-buckets-1280x800.png') })
    noPageErrors(t, page)
  })

  await t.test('with API keys configured, the page asks for one, then works', async (t) => {
    const locked = buildApp(loadConfig({ HEAPD_API_KEYS: 'browser-test-key:team' }))
    await locked.listen({ host: '127.0.0.1', port: 0 })
    t.teardown(() => locked.close())
    const lockedAddress = locked.server.address()
    if (lockedAddress === null || typeof lockedAddress === 'string') throw new Error('no TCP address')
    const other = track(await page.context().newPage())
    await other.goto(`http://127.0.0.1:${lockedAddress.port}/`)
    await other.waitForSelector('#messages.error')
    t.match(await other.textContent('#messages'), /API key/, 'the 401 problem is shown')
    t.equal(await other.getAttribute('#api-key-box', 'open'), '', 'and the API key field opens')
    await other.fill('#api-key', 'browser-test-key')
    await other.press('#api-key', 'Enter')
    await other.fill('#create-size', '4K')
    await other.click('#create-form button[type=submit]')
    await other.waitForSelector('#heap-view:not([hidden])')
    t.match(await other.textContent('#messages'), /^Created heap .*4,096 B/, 'with the key, creating a heap works')
    noPageErrors(t, other)
    await other.close()
  })

  await t.test('Swagger UI: "Try it out" on POST /heaps answers 201', async (t) => {
    await page.goto(`${base}/docs`)
    const operation = page.locator('#operations-heaps-createHeap')
    // The method badge, not the path: the path is a link whose hash navigation Playwright would wait for.
    await operation.locator('.opblock-summary-method').click()
    await operation.locator('button.try-out__btn').click()
    await operation.locator('textarea.body-param__text').fill(JSON.stringify({ size: 4096, strategy: 'tlsf', name: 'from-swagger' }))
    await operation.locator('button.execute').click()
    const status = operation.locator('.live-responses-table .response .response-col_status').first()
    await status.waitFor()
    t.equal((await status.textContent())?.trim(), '201', 'the response panel shows 201 Created')
    await status.scrollIntoViewIfNeeded()
    t.match(await operation.locator('.live-responses-table').textContent(), /from-swagger/, 'and the created heap')
    await page.screenshot({ path: join(shots, 'docs-try-it-out.png') })
    noPageErrors(t, page)
  })
}

const pageErrors = new WeakMap<Page, string[]>()
const foreignRequests = new WeakMap<Page, string[]>()

async function newPage (browser: Browser, width: number, height: number, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height }, ...options })
  // Generous: a loaded CI machine parses Swagger UI's 1.6 MB bundle slowly. Passing runs never wait this long.
  context.setDefaultTimeout(30_000)
  return track(await context.newPage())
}

/** Records the page's uncaught errors and any request to another origin, for noPageErrors. */
function track (page: Page): Page {
  const errors: string[] = []
  pageErrors.set(page, errors)
  page.on('pageerror', (err) => errors.push(err.message))
  // No CDN, no fonts, no analytics: the page must work on a machine without internet.
  const foreign: string[] = []
  foreignRequests.set(page, foreign)
  page.on('request', (request) => {
    const url = new URL(request.url())
    if (url.protocol !== 'data:' && url.hostname !== '127.0.0.1') foreign.push(request.url())
  })
  return page
}

function noPageErrors (t: Test, page: Page) {
  t.same(pageErrors.get(page), [], 'no uncaught errors in the page')
  t.same(foreignRequests.get(page), [], 'no request left this machine')
}

/** Waits until the map has drawn exactly `expected`, then returns what it drew. */
async function waitForSegments (page: Page, expected: Segment[]): Promise<Segment[]> {
  const want = JSON.stringify(expected.map(({ offset, size, state, ptr, tag }) => ({ offset, size, state, ptr, tag })))
  await page.waitForFunction((want) => document.querySelector('#map')?.dataset.segments === want, want)
  return JSON.parse((await page.getAttribute('#map', 'data-segments')) ?? '[]') as Segment[]
}

async function tableSegments (page: Page): Promise<Segment[]> {
  const rows = await page.evaluate(() => [...document.querySelectorAll('#segments tr')].map((tr) => ({ ...tr.dataset })))
  return rows.map((row) => {
    const offset = Number(row.offset)
    return row.state === 'used' ? used(offset, Number(row.size), row.tag) : free(offset, Number(row.size))
  })
}

async function statsText (page: Page): Promise<Record<string, string | null>> {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#stats [data-stat]')].map((dd) => [dd.dataset.stat, dd.textContent])))
}

/** The page coordinates where the map draws byte `offset` (rows wrap like text). */
async function mapPoint (page: Page, offset: number) {
  const map = page.locator('#map')
  const box = await map.boundingBox()
  if (!box) throw new Error('the map is not visible')
  const [from, to, rows, pitch] = await Promise.all(['data-from', 'data-to', 'data-rows', 'data-row-pitch'].map(async (name) => Number(await map.getAttribute(name))))
  const pixel = ((offset - from!) / (to! - from!)) * box.width * rows!
  const row = Math.floor(pixel / box.width)
  return { x: box.x + (pixel - row * box.width), y: box.y + row * pitch! + pitch! / 2 - 1 }
}

if (process.env.HEAPD_SKIP_BROWSER === '1') {
  t.plan(0, 'HEAPD_SKIP_BROWSER=1: browser test skipped')
} else if (!existsSync(CHROMIUM)) {
  t.fail(`${CHROMIUM} is missing: the browser test needs Chromium (apt-get install -y chromium; .ci/run does this), ` +
    'or HEAPD_CHROMIUM naming another Chromium binary, or HEAPD_SKIP_BROWSER=1 to skip it')
} else {
  await browserTests()
}
