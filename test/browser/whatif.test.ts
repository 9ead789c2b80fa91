/**
 * The heap map's What if view in a real browser (playwright-core and Chromium, as heap-map.test.ts):
 * a heap created in the page with "Record its history" is replayed on every strategy with one
 * click; a trace file (text, then gzip) is replayed by choosing it; a malformed file is refused
 * with its line named. What the page draws is checked against POST /replays' own answer.
 *
 * Chromium: HEAPD_CHROMIUM, else /usr/bin/chromium. HEAPD_SKIP_BROWSER=1 skips the file.
 * Screenshots go to test/screenshots/whatif-1280x800.png and whatif-file-1280x800.png (git-ignored).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import t from 'tap'
import type { Page } from 'playwright-core'
import { loadConfig } from '../../src/config.js'
import { buildApp } from '../../src/http/app.js'
import { CHROMIUM, SHOTS, servedInChromium } from '../helpers/browser.js'
import { ReplayPool } from '../../src/registry/replays.js'

const shots = SHOTS

// What the page's functions touch in the browser (the tests' tsconfig has no DOM lib).
interface PageElement {
  textContent: string | null
  dataset: Record<string, string | undefined>
  getAttribute: (name: string) => string | null
}
declare const document: {
  querySelector: (selector: string) => PageElement | null
  querySelectorAll: (selector: string) => Iterable<PageElement>
}

interface Replay {
  ops: number
  peakLive: { bytes: number }
  floor: { bytes: number, offline?: number }
  results: Array<{ strategy: string, peakFootprint: number }>
  series: { at: number[], live: number[], footprint: Record<string, number[]> }
}

/** A trace with phases that tell the strategies apart: many small blocks, holes, then larger ones. */
function phasesTrace (): string {
  const lines = ['# alloc-trace v1']
  let id = 0
  const live: number[] = []
  for (let i = 0; i < 400; i++) {
    lines.push(`a ${id} ${16 + (i * 37) % 200}`)
    live.push(id++)
  }
  for (let i = 0; i < live.length; i += 2) lines.push(`f ${live[i]}`)
  for (let i = 0; i < 150; i++) lines.push(`a ${id++} ${300 + (i * 53) % 700}`)
  return lines.join('\n') + '\n'
}

/** What the page drew: bars and table rows by key, and the number of points of each line. */
async function drawn (page: Page) {
  return page.evaluate(() => ({
    bars: Object.fromEntries([...document.querySelectorAll('#whatif-bars g.bar')].map((g) => [g.dataset.key, Number(g.dataset.bytes)])),
    rows: Object.fromEntries([...document.querySelectorAll('#whatif-results tr')].map((tr) => [tr.dataset.strategy, Number(tr.dataset.peakFootprint)])),
    points: Object.fromEntries([...document.querySelectorAll('#whatif-lines polyline')].map((line) => [line.dataset.key, (line.getAttribute('points') ?? '').split(' ').filter(Boolean).length]))
  }))
}

function expectedDrawing (replay: Replay) {
  const bars: Record<string, number> = { floor: replay.floor.bytes }
  if (replay.floor.offline !== undefined) bars.offline = replay.floor.offline
  const rows: Record<string, number> = {}
  const points: Record<string, number> = { live: replay.series.at.length }
  for (const result of replay.results) {
    bars[result.strategy] = result.peakFootprint
    rows[result.strategy] = result.peakFootprint
    points[result.strategy] = replay.series.at.length
  }
  return { bars, rows, points }
}

async function whatIfTests () {
  const config = loadConfig({})
  // The workers run the TypeScript sources through the test loader (as test/http/replays.test.ts does).
  const replays = new ReplayPool({ maxConcurrent: 2, maxOps: config.limits.maxReplayOps, execArgv: ['--import=./test/loader/register.mjs'] })
  t.teardown(async () => { await replays.close() })
  const { base, browser } = await servedInChromium(t, buildApp(config, { replays }))
  const post = async <T> (path: string, body: string, headers: Record<string, string>): Promise<T> => {
    const response = await fetch(base + path, { method: 'POST', headers, body })
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`)
    return (await response.json()) as T
  }

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  context.setDefaultTimeout(30_000)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  await page.goto(`${base}/`)

  await t.test('a heap created to record is replayed on every strategy with one click', async (t) => {
    await page.fill('#create-size', '64K')
    await page.fill('#create-name', 'recorded')
    await page.check('#create-record')
    await page.click('#create-form button[type=submit]')
    await page.waitForFunction(() => document.querySelector('#map-title')?.textContent === 'Heap recorded')
    const id = decodeURIComponent(new URL(page.url()).hash.slice('#heap='.length))
    const ops = Array.from({ length: 60 }, (_, i) => ({ op: 'alloc', size: 64 + (i * 97) % 900 }))
    await post(`/heaps/${id}/batch`, JSON.stringify({ ops }), { 'content-type': 'application/json' })
    await post(`/heaps/${id}/batch`, JSON.stringify({ ops: [{ op: 'free', ptr: 0 }] }), { 'content-type': 'application/json' })
    await page.waitForFunction(() => /61 ops/.test(document.querySelector('#whatif-heap')?.textContent ?? ''))
    await page.click('#whatif-heap')
    await page.waitForSelector('#whatif-card:not([hidden]) #whatif-results tr')
    const replay = await post<Replay>(`/replays?heap=${id}`, '{}', { 'content-type': 'application/json' })
    t.equal(replay.ops, 61)
    t.same(await drawn(page), expectedDrawing(replay), 'bars, table and lines are the replay\'s numbers')
    t.match(await page.textContent('#whatif-title'), /What if: heap recorded/)
    t.match(await page.textContent('#messages'), /Replayed 61 ops of heap recorded/)
    await page.screenshot({ path: join(shots, 'whatif-1280x800.png'), fullPage: true })
  })

  await t.test('a trace file chosen on the page is replayed, as text and gzip', async (t) => {
    const text = phasesTrace()
    const replay = await post<Replay>('/replays', text, { 'content-type': 'text/plain' })
    await page.setInputFiles('#whatif-file', { name: 'phases.trace', mimeType: 'text/plain', buffer: Buffer.from(text) })
    await page.waitForFunction(() => document.querySelector('#whatif-title')?.textContent === 'What if: phases.trace')
    t.same(await drawn(page), expectedDrawing(replay), 'the file\'s replay is drawn')
    t.ok(replay.results.every((r) => r.peakFootprint >= replay.peakLive.bytes), 'no strategy below the live bytes')

    await page.setInputFiles('#whatif-file', { name: 'phases.trace.gz', mimeType: 'application/gzip', buffer: gzipSync(text) })
    await page.waitForFunction(() => document.querySelector('#whatif-title')?.textContent === 'What if: phases.trace.gz')
    t.same(await drawn(page), expectedDrawing(replay), 'the same replay from the gzip file')
    await page.locator('#whatif-card').screenshot({ path: join(shots, 'whatif-file-1280x800.png') })
  })

  await t.test('a malformed trace file is refused, its line named', async (t) => {
    await page.setInputFiles('#whatif-file', { name: 'bad.trace', mimeType: 'text/plain', buffer: Buffer.from('a 0 10\nf 1\n') })
    await page.waitForFunction(() => /line 2/.test(document.querySelector('#messages')?.textContent ?? ''))
    t.match(await page.getAttribute('#messages', 'class'), /error/)
    t.match(await page.textContent('#whatif-title'), /phases\.trace\.gz/, 'the last replay stays on the page')
  })

  t.same(errors, [], 'no uncaught errors in the page')
}

if (process.env.HEAPD_SKIP_BROWSER === '1') {
  t.plan(0, 'HEAPD_SKIP_BROWSER=1: browser test skipped')
} else if (!existsSync(CHROMIUM)) {
  t.fail(`${CHROMIUM} is missing: the browser test needs Chromium (apt-get install -y chromium; .ci/run does this), ` +
    'or HEAPD_CHROMIUM naming another Chromium binary, or HEAPD_SKIP_BROWSER=1 to skip it')
} else {
  await whatIfTests()
}
