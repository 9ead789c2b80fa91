// What if: a trace replayed on every strategy (POST /replays), for a heap that records its history
// (?heap=) or a trace file from this computer (sent as text/plain, or gzip as it is). Drawn as each
// strategy's peak footprint against the floor (bars) and the live bytes against each strategy's
// footprint along the trace (lines), with a table of the numbers.

import { ApiError, getApiKey } from './api.js'
import { formatBytes, formatBytesShort, formatNumber, formatPercent } from './format.js'

const NS = 'http://www.w3.org/2000/svg'
const BAR_W = 600
const BAR_ROW = 26
const LABEL_W = 150
const VALUE_W = 170
const LINE_W = 600
const LINE_H = 180

async function replay (path, init) {
  const headers = { accept: 'application/json, application/problem+json', ...init.headers }
  const key = getApiKey()
  if (key) headers.authorization = `Bearer ${key}`
  let response
  try {
    response = await fetch(path, { method: 'POST', ...init, headers })
  } catch (err) {
    throw new ApiError(0, { title: 'Network error', detail: `heapd did not answer (${err.message})` })
  }
  const text = await response.text()
  let data
  try {
    data = text ? JSON.parse(text) : undefined
  } catch {
    data = { title: `HTTP ${response.status}`, detail: text.slice(0, 200) }
  }
  if (!response.ok) throw new ApiError(response.status, data)
  return data
}

export const replays = {
  // A recording heap's own history, on heaps of its alignment (the trace names only the blocks' own).
  ofHeap: (id, alignment) => replay(`replays?heap=${encodeURIComponent(id)}`, {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alignment > 1 ? { alignment } : {})
  }),
  // A trace file: text as it is; a .gz file compressed as it is, the server inflates it.
  ofFile: async (file) => {
    const gzip = /\.gz$/i.test(file.name)
    const headers = { 'content-type': 'text/plain' }
    if (gzip) headers['content-encoding'] = 'gzip'
    return replay('replays', { headers, body: gzip ? await file.arrayBuffer() : await file.text() })
  }
}

export class WhatIf {
  constructor ({ card, title, summary, bars, lines, legend, table, heapButton, fileInput, say, report }) {
    Object.assign(this, { card, title, summary, bars, lines, legend, table, heapButton, fileInput, say, report })
    this.heap = undefined
    heapButton.addEventListener('click', () => this.replayHeap())
    fileInput.addEventListener('change', () => {
      const file = fileInput.files?.[0]
      if (file) this.replayFile(file)
    })
  }

  // The selected heap (or none): the button shows for a heap that records.
  showHeap (heap) {
    this.heap = heap
    this.heapButton.hidden = !heap?.recording
    if (heap?.recording) {
      this.heapButton.textContent = `What if: replay its ${formatNumber(heap.recording.ops)} ops on every strategy`
    }
  }

  async replayHeap () {
    const heap = this.heap
    if (!heap) return
    await this.run(`heap ${heap.name ?? heap.id}`, () => replays.ofHeap(heap.id, heap.alignment))
  }

  async replayFile (file) {
    await this.run(file.name, () => replays.ofFile(file))
    // The same file may be chosen again after an edit.
    this.fileInput.value = ''
  }

  async run (source, work) {
    this.card.setAttribute('aria-busy', 'true')
    this.say(`Replaying ${source} on every strategy…`)
    try {
      const result = await work()
      this.render(result, source)
      this.say(`Replayed ${formatNumber(result.ops)} ops of ${source}.`)
      this.card.hidden = false
      this.card.focus({ preventScroll: true })
      this.card.scrollIntoView({ block: 'start' })
    } catch (err) {
      this.report(err)
    } finally {
      this.card.removeAttribute('aria-busy')
    }
  }

  render (result, source) {
    this.title.textContent = `What if: ${source}`
    const floor = result.floor
    this.summary.textContent = `${formatNumber(result.ops)} ops; at most ${formatBytes(result.peakLive.bytes)} live at once ` +
      `(${formatNumber(result.peakLive.blocks)} blocks, op ${formatNumber(result.peakLive.at)}). Floor: ${floor.method}.`
    this.renderBars(result)
    this.renderLines(result)
    this.renderTable(result)
    this.card.dataset.ops = String(result.ops)
  }

  renderBars ({ floor, peakLive, results }) {
    // Notes stay short: the bars' scale leaves VALUE_W for them.
    const rows = [{ label: 'floor: peak live', key: 'floor', bytes: floor.bytes, note: 'lower bound' }]
    if (floor.offline !== undefined) rows.push({ label: 'floor: offline plan', key: 'offline', bytes: floor.offline, note: 'reachable' })
    for (const r of results) rows.push({ label: r.strategy, key: r.strategy, bytes: r.peakFootprint, note: `+${formatPercent(r.overhead)}` })
    const max = Math.max(1, ...rows.map((row) => row.bytes))
    const svg = this.bars
    svg.replaceChildren()
    svg.setAttribute('viewBox', `0 0 ${BAR_W} ${rows.length * BAR_ROW}`)
    rows.forEach((row, i) => {
      const y = i * BAR_ROW
      const width = Math.max(1, ((BAR_W - LABEL_W - VALUE_W) * row.bytes) / max)
      const group = element('g', { class: `bar ${row.key === 'floor' || row.key === 'offline' ? 'floor' : 'strategy'} s-${row.key}` })
      group.dataset.key = row.key
      group.dataset.bytes = String(row.bytes)
      const label = element('text', { x: LABEL_W - 8, y: y + 17, 'text-anchor': 'end' })
      label.textContent = row.label
      const bar = element('rect', { x: LABEL_W, y: y + 4, width, height: BAR_ROW - 8, rx: 2 })
      const value = element('text', { x: LABEL_W + width + 6, y: y + 17 })
      value.textContent = `${formatBytesShort(row.bytes)} · ${row.note}`
      group.append(label, bar, value)
      svg.append(group)
    })
    const best = results.reduce((a, b) => (b.peakFootprint < a.peakFootprint ? b : a), results[0])
    svg.setAttribute('aria-label', `Peak footprint per strategy: ${results.map((r) => `${r.strategy} ${formatBytes(r.peakFootprint)}`).join(', ')}; ` +
      `peak live ${formatBytes(peakLive.bytes)}.${best ? ` Least: ${best.strategy}.` : ''}`)
  }

  renderLines ({ series, results }) {
    const svg = this.lines
    svg.replaceChildren()
    svg.setAttribute('viewBox', `0 0 ${LINE_W} ${LINE_H}`)
    svg.setAttribute('preserveAspectRatio', 'none')
    const at = series.at
    const lastAt = Math.max(1, at[at.length - 1] ?? 1)
    const all = [series.live, ...Object.values(series.footprint)]
    const max = Math.max(1, ...all.flatMap((values) => values))
    for (const level of [0.25, 0.5, 0.75]) svg.append(element('line', { x1: 0, x2: LINE_W, y1: LINE_H * level, y2: LINE_H * level, class: 'grid' }))
    const points = (values) => values.map((v, i) => `${((at[i] / lastAt) * LINE_W).toFixed(1)},${(LINE_H - (v / max) * LINE_H).toFixed(1)}`).join(' ')
    for (const r of results) {
      const line = element('polyline', { class: `s-${r.strategy}`, points: points(series.footprint[r.strategy] ?? []) })
      line.dataset.key = r.strategy
      svg.append(line)
    }
    const live = element('polyline', { class: 'live', points: points(series.live) })
    live.dataset.key = 'live'
    svg.append(live)
    svg.setAttribute('aria-label', `Live bytes and each strategy's footprint over ${formatNumber(lastAt)} ops, from 0 to ${formatBytes(max)}.`)
    const keys = [['live', 'live bytes'], ...results.map((r) => [`s-${r.strategy}`, `${r.strategy} footprint`])]
    this.legend.replaceChildren(...keys.map(([cls, text]) => {
      const key = document.createElement('span')
      key.className = `key ${cls}`
      key.textContent = text
      return key
    }), Object.assign(document.createElement('span'), { className: 'meta', textContent: `0 – ${formatBytes(max)} over ${formatNumber(lastAt)} ops` }))
  }

  renderTable ({ results, floor }) {
    const rows = results.map((r) => {
      const tr = document.createElement('tr')
      tr.dataset.strategy = r.strategy
      tr.dataset.peakFootprint = String(r.peakFootprint)
      const cells = [
        r.strategy,
        formatBytes(r.peakFootprint),
        `+${formatPercent(r.overhead)}`,
        r.overheadVsOffline === undefined ? '—' : `+${formatPercent(r.overheadVsOffline)}`,
        r.failures > 0 ? `${formatNumber(r.failures)} (first at op ${formatNumber(r.firstFailureAt)})` : '0',
        formatPercent(r.fragmentation.max)
      ]
      tr.append(...cells.map((text, i) => {
        const cell = document.createElement(i === 0 ? 'th' : 'td')
        if (i === 0) cell.scope = 'row'
        else cell.className = 'num'
        cell.textContent = text
        return cell
      }))
      return tr
    })
    this.table.replaceChildren(...rows)
    this.table.dataset.floor = String(floor.bytes)
  }
}

function element (name, attributes) {
  const el = document.createElementNS(NS, name)
  for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, String(value))
  if (name === 'polyline' || name === 'line') el.setAttribute('vector-effect', 'non-scaling-stroke')
  return el
}
