/**
 * Defragmentation on the heap map in a real browser (playwright-core and Chromium, as
 * heap-map.test.ts): "Compact" plans, the map shows each move as an arrow from its source to its
 * reserved destination with the pair named in the move list, "Commit" moves the blocks, and the
 * stats before and after are shown; a plan that ends elsewhere leaves the map.
 *
 * Chromium: HEAPD_CHROMIUM, else /usr/bin/chromium. HEAPD_SKIP_BROWSER=1 skips the file.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Page } from 'playwright-core'
import { loadConfig } from '../../src/config.js'
import { buildApp } from '../../src/http/app.js'
import { CHROMIUM, SHOTS, servedInChromium } from '../helpers/browser.js'

const shots = SHOTS

// The tests' tsconfig has no DOM lib: the little the page functions touch is declared here.
interface PageElement {
  dataset: Record<string, string | undefined>
  textContent: string | null
  getAttribute: (name: string) => string | null
}
declare const document: {
  querySelector: (selector: string) => PageElement | null
  querySelectorAll: (selector: string) => Iterable<PageElement>
}

interface Segment { offset: number, size: number, state: string, ptr?: number, tag?: string }

async function browserTests () {
  const { base, browser } = await servedInChromium(t, buildApp(loadConfig({})))

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(base + path, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    })
    return { status: response.status, body: response.status === 204 ? undefined : await response.json() as Record<string, unknown> }
  }
  /** Blocks of 128 at 128 (tag b) and 384 (tag d) in 1024 bytes: compacting moves d to 0. */
  const fragmented = async (): Promise<string> => {
    const id = (await api('POST', '/heaps', { size: 1024, name: 'defrag-test' })).body!.id as string
    for (const tag of ['a', 'b', 'c', 'd']) await api('POST', `/heaps/${id}/alloc`, { size: 128, tag })
    await api('DELETE', `/heaps/${id}/blocks/0`)
    await api('DELETE', `/heaps/${id}/blocks/256`)
    return id
  }

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  context.setDefaultTimeout(30_000)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))

  await t.test('Compact plans and shows the moves; Commit moves the blocks; stats before and after', async (t) => {
    const id = await fragmented()
    await page.goto(`${base}/#heap=${id}`)
    await waitForSegments(page, [free(0, 128), used(128, 128, 'b'), free(256, 128), used(384, 128, 'd'), free(512, 512)])

    await page.click('#defrag-compact')
    await page.waitForSelector('#defrag-card[data-plan-state=open]')
    await waitForSegments(page, [{ offset: 0, size: 128, state: 'reserved' }, used(128, 128, 'b'), free(256, 128), used(384, 128, 'd'), free(512, 512)])
    t.same(JSON.parse((await page.getAttribute('#defrag-overlay', 'data-moves')) ?? 'null'), [{ ptr: 384, newPtr: 0, size: 128 }], 'the overlay draws the plan\'s move')
    const drawn = await page.evaluate(() => [...document.querySelectorAll('#defrag-overlay g.move')].map((g) => ({
      ptr: g.getAttribute('data-ptr'), newPtr: g.getAttribute('data-new-ptr')
    })))
    t.same(drawn, [{ ptr: '384', newPtr: '0' }], 'one arrow, source to destination')
    t.equal(await page.locator('#defrag-overlay g.move path.arrow').count(), 1)
    // 1024 bytes in 16 rows: 64 bytes a row, so a block of 128 is drawn in two pieces.
    t.equal(await page.locator('#defrag-overlay g.move rect.source').count(), 2, 'the source shaded')
    t.equal(await page.locator('#defrag-overlay g.move rect.destination').count(), 2, 'the destination outlined')
    const listed = page.locator('#defrag-moves li')
    t.equal(await listed.count(), 1)
    t.match(await listed.first().textContent(), /384 → 0 · 128 B · d/, 'the move list names the pair')
    t.equal(await page.getAttribute('#defrag-stats', 'data-largest-free'), '512 768', 'before and after (planned)')
    t.match(await page.textContent('#defrag-stats'), /After \(planned\)/)
    t.equal((await api('DELETE', `/heaps/${id}/blocks/384`)).status, 409, 'the source is pinned while the plan is open')
    await page.screenshot({ path: join(shots, 'defrag-plan.png') })

    await page.click('#defrag-commit')
    await page.waitForSelector('#defrag-card[data-plan-state=none]')
    await waitForSegments(page, [used(0, 128, 'd'), used(128, 128, 'b'), free(256, 768)])
    t.equal(await page.getAttribute('#defrag-overlay', 'data-moves'), '[]', 'no arrow once committed')
    t.equal(await page.getAttribute('#defrag-stats', 'data-largest-free'), '512 768', 'stats before and after the commit')
    t.match(await page.textContent('#messages'), /Committed: 1 block moved/)
    t.ok(await page.isEnabled('#defrag-compact'), 'Compact is offered again')
    await page.screenshot({ path: join(shots, 'defrag-committed.png') })
  })

  await t.test('a plan aborted elsewhere leaves the map', async (t) => {
    const id = await fragmented()
    await page.goto(`${base}/#heap=${id}`)
    await waitForSegments(page, [free(0, 128), used(128, 128, 'b'), free(256, 128), used(384, 128, 'd'), free(512, 512)])
    await page.click('#defrag-compact')
    await page.waitForSelector('#defrag-card[data-plan-state=open]')
    t.match(await page.textContent('#defrag-status'), /^Plan \S+: 1 move/)
    const plans = await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem: (key: string) => string | null } }).sessionStorage.getItem('heapd.defragPlans'))
    const open = (JSON.parse(plans ?? '{}') as Record<string, string>)[id]!
    t.equal((await api('DELETE', `/heaps/${id}/defrag/${open}`)).status, 204)
    await page.waitForSelector('#defrag-card[data-plan-state=none]')
    t.equal(await page.getAttribute('#defrag-overlay', 'data-moves'), '[]')
    t.same(errors, [], 'no uncaught errors in the page')
  })
}

const used = (offset: number, size: number, tag?: string): Segment => ({ offset, size, state: 'used', ptr: offset, ...(tag ? { tag } : {}) })
const free = (offset: number, size: number): Segment => ({ offset, size, state: 'free' })

async function waitForSegments (page: Page, expected: Segment[]): Promise<void> {
  const want = JSON.stringify(expected.map(({ offset, size, state, ptr, tag }) => ({ offset, size, state, ptr, tag })))
  await page.waitForFunction((want) => document.querySelector('#map')?.dataset.segments === want, want)
}

if (process.env.HEAPD_SKIP_BROWSER === '1') {
  t.plan(0, 'HEAPD_SKIP_BROWSER=1: browser test skipped')
} else if (!existsSync(CHROMIUM)) {
  t.fail(`${CHROMIUM} is missing: the browser test needs Chromium, or HEAPD_CHROMIUM, or HEAPD_SKIP_BROWSER=1 to skip it`)
} else {
  await browserTests()
}
