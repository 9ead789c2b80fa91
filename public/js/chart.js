// A small SVG chart of used bytes and fragmentation (both as % of the heap) while the page is open.

import { formatPercent } from './format.js'

const SAMPLES = 240 // 2 minutes at one sample per 500 ms poll
const W = 600
const H = 120
const NS = 'http://www.w3.org/2000/svg'

export class HistoryChart {
  constructor (svg, { usedLabel, fragLabel }) {
    this.svg = svg
    this.usedLabel = usedLabel
    this.fragLabel = fragLabel
    this.samples = []
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`)
    svg.setAttribute('preserveAspectRatio', 'none')
    for (const level of [0.25, 0.5, 0.75]) {
      const y = H - level * H
      svg.append(element('line', { x1: 0, x2: W, y1: y, y2: y, class: 'grid' }))
    }
    this.usedLine = element('polyline', { class: 'used' })
    this.fragLine = element('polyline', { class: 'frag' })
    svg.append(this.usedLine, this.fragLine)
  }

  reset () {
    this.samples = []
    this.render()
  }

  push (stats) {
    const used = stats.size > 0 ? stats.used / stats.size : 0
    this.samples.push({ used, frag: stats.fragmentation ?? 0 })
    if (this.samples.length > SAMPLES) this.samples.shift()
    this.render()
  }

  render () {
    const n = this.samples.length
    // The samples span the full width; once there are SAMPLES, the oldest scrolls out.
    const step = W / Math.max(n - 1, 1)
    const points = (key) => this.samples
      .map((s, i) => `${(i * step).toFixed(1)},${(H - clamp01(s[key]) * H).toFixed(1)}`)
      .join(' ')
    this.usedLine.setAttribute('points', points('used'))
    this.fragLine.setAttribute('points', points('frag'))
    const last = this.samples[n - 1]
    this.usedLabel.textContent = last ? formatPercent(last.used) : '—'
    this.fragLabel.textContent = last ? formatPercent(last.frag) : '—'
    this.svg.setAttribute('aria-label', last
      ? `Chart over the last ${Math.round(n / 2)} seconds: used ${formatPercent(last.used)} of the heap, fragmentation ${formatPercent(last.frag)} now.`
      : 'Chart of used bytes and fragmentation, waiting for data.')
  }
}

function clamp01 (x) {
  return Number.isFinite(x) ? Math.max(0, Math.min(1, x)) : 0
}

function element (name, attributes) {
  const el = document.createElementNS(NS, name)
  for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, String(value))
  el.setAttribute('vector-effect', 'non-scaling-stroke')
  return el
}
