/**
 * What the browser tests share: the Chromium they drive (HEAPD_CHROMIUM, else Debian's package),
 * where screenshots go, and an app served on a loopback port with a headless Chromium beside it,
 * both closed at the test's teardown.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Test } from 'tap'
import { chromium, type Browser } from 'playwright-core'
import type { App } from '../../src/http/app.js'
import { ROOT } from './built-server.js'

export const CHROMIUM = process.env.HEAPD_CHROMIUM || '/usr/bin/chromium'
export const SHOTS = join(ROOT, 'test', 'screenshots')

/** Serves `app` on 127.0.0.1 and starts Chromium (a fresh temporary profile each time); answers the app's base URL and the browser. */
export async function servedInChromium (t: Test, app: App): Promise<{ base: string, browser: Browser }> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  await mkdir(SHOTS, { recursive: true })
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 15_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  t.teardown(async () => {
    await browser.close()
    await app.close()
  })
  return { base: `http://127.0.0.1:${address.port}`, browser }
}
