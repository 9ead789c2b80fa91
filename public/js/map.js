// The heap map: the address range [from, to) drawn to scale on a canvas, wrapped into rows
// like text, so byte b sits at linear pixel (b - from) * scale, row = floor(pixel / width).
// Two kinds of data: 'segments' (every used block and free range, coloured by tag) and
// 'buckets' (occupancy of equal slices, for heaps with too many segments to draw one by one).

import { FREE_COLOR, FREE_HATCH, USED_COLOR, formatBytes, formatPercent, formatPtr, mixColor, tagColor } from './format.js'

const ROWS = 16
const ROW_HEIGHT = 16
const ROW_GAP = 3
const PITCH = ROW_HEIGHT + ROW_GAP
const DRAG_THRESHOLD = 5 // css px the pointer must travel before a press becomes a zoom drag

export class HeapMap {
  constructor (canvas, { tooltip, info, onFree, onZoom }) {
    this.canvas = canvas
    this.ctx = canvas.getContext('2d')
    this.tooltip = tooltip
    this.info = info
    this.onFree = onFree
    this.onZoom = onZoom
    this.view = undefined // { size, from, to, mode, spans }
    this.hover = -1
    this.selected = -1 // keyboard cursor, an index into spans
    this.drag = undefined
    this.lastInput = 'pointer' // the info line follows whichever was used last
    this.width = 0
    this.freePattern = makeHatch(this.ctx)
    new ResizeObserver(() => this.resize()).observe(canvas)
    this.bindEvents()
    this.resize()
  }

  setData (view) {
    const keep = (index) => (index >= 0 && this.view ? this.view.spans[index]?.offset : undefined)
    const hovered = keep(this.hover)
    const selected = keep(this.selected)
    this.view = view
    this.hover = this.indexOfOffset(hovered)
    this.selected = this.indexOfOffset(selected)
    const data = this.canvas.dataset
    data.mode = view.mode
    data.from = String(view.from)
    data.to = String(view.to)
    data.rows = String(ROWS)
    data.rowPitch = String(PITCH)
    // A machine-readable copy of what is drawn, for tests and curious people (kept small).
    data.segments = view.mode === 'segments' && view.spans.length <= 500
      ? JSON.stringify(view.spans.map(({ offset, size, state, ptr, tag }) => ({ offset, size, state, ptr, tag })))
      : ''
    this.canvas.setAttribute('aria-label', view.mode === 'segments'
      ? `Heap map, ${view.spans.filter((s) => s.state === 'used').length} used blocks and ${view.spans.filter((s) => s.state === 'free').length} free ranges. Arrow keys move between blocks, Delete frees the chosen block.`
      : `Heap occupancy map in ${view.spans.length} slices. Arrow keys move between slices, Enter zooms into one.`)
    this.draw()
    this.describe()
    // The block under a resting mouse may have changed (freed by someone else, say).
    if (!this.tooltip.hidden) {
      if (this.hover < 0) this.tooltip.hidden = true
      else this.fillTooltip(this.view.spans[this.hover])
    }
  }

  clear () {
    this.view = undefined
    this.hover = -1
    this.selected = -1
    this.tooltip.hidden = true
    this.info.textContent = ''
    this.draw()
  }

  indexOfOffset (offset) {
    if (offset === undefined || !this.view) return -1
    return this.view.spans.findIndex((span) => span.offset === offset)
  }

  resize () {
    const dpr = window.devicePixelRatio || 1
    const width = this.canvas.clientWidth
    const height = ROWS * PITCH - ROW_GAP
    this.canvas.style.height = `${height}px`
    this.canvas.width = Math.round(width * dpr)
    this.canvas.height = Math.round(height * dpr)
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
    this.width = width
    this.draw()
  }

  // --- geometry -------------------------------------------------------------------------

  get scale () {
    const { from, to } = this.view
    return (this.width * ROWS) / (to - from)
  }

  // Linear pixel range of a span clipped to the view; used blocks are at least 1 px wide so
  // that a 16-byte block in a terabyte heap still shows.
  pixelRange (span) {
    const { from, to } = this.view
    const start = Math.max(span.offset, from)
    const end = Math.min(span.offset + span.size, to)
    if (end <= start) return undefined
    const total = this.width * ROWS
    let p0 = (start - from) * this.scale
    let p1 = (end - from) * this.scale
    if (this.isUsed(span) && p1 - p0 < 1) {
      p1 = Math.min(total, p0 + 1)
      p0 = p1 - 1
    }
    return [p0, p1]
  }

  isUsed (span) {
    return this.view.mode === 'segments' ? span.state === 'used' : span.used > 0
  }

  // Calls fn(x, y, w) for each row-piece of the linear pixel range [p0, p1).
  pieces (p0, p1, fn) {
    const w = this.width
    let p = p0
    while (p < p1 - 1e-9) {
      const row = Math.min(ROWS - 1, Math.floor(p / w))
      const rowEnd = Math.min(p1, (row + 1) * w)
      fn(p - row * w, row * PITCH, rowEnd - p)
      p = (row + 1) * w
    }
  }

  pointToPixel (x, y) {
    const row = Math.max(0, Math.min(ROWS - 1, Math.floor(y / PITCH)))
    const col = Math.max(0, Math.min(this.width - 1e-6, x))
    return row * this.width + col
  }

  pixelToOffset (p) {
    return this.view.from + p / this.scale
  }

  // The span under linear pixel p: the one containing its byte, or a tiny used neighbour
  // drawn wider than its true size.
  spanAtPixel (p) {
    const spans = this.view.spans
    const offset = this.pixelToOffset(p)
    let lo = 0
    let hi = spans.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (spans[mid].offset <= offset) lo = mid
      else hi = mid - 1
    }
    if (spans.length === 0) return -1
    for (const i of [lo, lo - 1, lo + 1, lo + 2]) {
      const span = spans[i]
      if (!span || !this.isUsed(span)) continue
      const range = this.pixelRange(span)
      if (range && p >= range[0] && p < range[1]) return i
    }
    const span = spans[lo]
    return span.offset <= offset && offset < span.offset + span.size ? lo : -1
  }

  // --- drawing --------------------------------------------------------------------------

  draw () {
    const ctx = this.ctx
    const w = this.width
    ctx.clearRect(0, 0, w, ROWS * PITCH)
    if (!this.view || w <= 0) return
    for (let row = 0; row < ROWS; row++) {
      ctx.fillStyle = FREE_COLOR
      ctx.fillRect(0, row * PITCH, w, ROW_HEIGHT)
      ctx.fillStyle = this.freePattern
      ctx.fillRect(0, row * PITCH, w, ROW_HEIGHT)
    }
    const spans = this.view.spans
    const segments = this.view.mode === 'segments'
    for (const span of spans) {
      if (!this.isUsed(span)) continue
      const range = this.pixelRange(span)
      if (!range) continue
      ctx.fillStyle = segments ? (this.view.colors?.get(span.tag) ?? tagColor(span.tag)) : mixColor(FREE_COLOR, USED_COLOR, 0.2 + 0.8 * (span.used / span.size))
      this.pieces(range[0], range[1], (x, y, width) => ctx.fillRect(x, y, width, ROW_HEIGHT))
      // A light edge where a block starts keeps neighbours with the same tag apart.
      if (segments && range[1] - range[0] >= 4) {
        ctx.fillStyle = 'rgba(255, 255, 255, 0.9)'
        this.pieces(range[0], range[0] + 1, (x, y) => ctx.fillRect(x, y, 1, ROW_HEIGHT))
      }
    }
    if (this.drag?.moved) {
      const [a, b] = [Math.min(this.drag.start, this.drag.end), Math.max(this.drag.start, this.drag.end)]
      ctx.fillStyle = 'rgba(20, 80, 200, 0.25)'
      this.pieces(a, b, (x, y, width) => ctx.fillRect(x, y, width, ROW_HEIGHT))
    }
    for (const [index, color] of [[this.selected, '#b4006e'], [this.hover, '#111']]) {
      const span = spans[index]
      const range = span && this.pixelRange(span)
      if (!range) continue
      ctx.strokeStyle = color
      ctx.lineWidth = 2
      this.pieces(range[0], range[1], (x, y, width) => ctx.strokeRect(x + 1, y + 1, Math.max(width - 2, 1), ROW_HEIGHT - 2))
    }
  }

  // --- words ----------------------------------------------------------------------------

  describeSpan (span) {
    if (this.view.mode === 'buckets') {
      return [`bytes ${formatRange(span)}`, `used ${formatBytes(span.used)} of ${formatBytes(span.size)} (${formatPercent(span.used / span.size)})`]
    }
    if (span.state === 'used') {
      return [`ptr ${formatPtr(span.ptr ?? span.offset)}`, `size ${formatBytes(span.size)}`, `tag ${span.tag ?? '(none)'}`]
    }
    return [`free ${formatRange(span)}`, `size ${formatBytes(span.size)}`]
  }

  describe () {
    if (!this.view) return
    // After a key press the keyboard's choice wins over a resting mouse, and vice versa.
    const keyboard = this.lastInput === 'keyboard' && document.activeElement === this.canvas && this.selected >= 0
    const index = keyboard || this.hover < 0 ? this.selected : this.hover
    const span = this.view.spans[index]
    this.info.textContent = span
      ? this.describeSpan(span).join(' · ')
      : this.view.mode === 'segments'
        ? 'Point at or tap a block for its ptr, size and tag; click it (tap twice) to free it; drag to zoom.'
        : 'Too many blocks to draw one by one: shading shows how full each slice is. Click or drag to zoom in.'
  }

  fillTooltip (span) {
    this.tooltip.replaceChildren(...this.describeSpan(span).map((line) => {
      const div = document.createElement('div')
      div.textContent = line
      return div
    }))
  }

  showTooltip (index, x, y) {
    const span = this.view?.spans[index]
    if (!span) {
      this.tooltip.hidden = true
      return
    }
    this.fillTooltip(span)
    this.tooltip.hidden = false
    const maxLeft = this.width - this.tooltip.offsetWidth - 4
    this.tooltip.style.left = `${Math.max(0, Math.min(x + 14, maxLeft))}px`
    this.tooltip.style.top = `${y + 18}px`
  }

  // --- input ----------------------------------------------------------------------------

  bindEvents () {
    const canvas = this.canvas
    canvas.addEventListener('pointermove', (event) => {
      if (!this.view) return
      this.lastInput = 'pointer'
      const p = this.pointToPixel(event.offsetX, event.offsetY)
      if (this.drag) {
        this.drag.end = p
        this.drag.moved ||= Math.hypot(event.offsetX - this.drag.x, event.offsetY - this.drag.y) >= DRAG_THRESHOLD
      }
      this.hover = this.drag?.moved ? -1 : this.spanAtPixel(p)
      this.showTooltip(this.hover, event.offsetX, event.offsetY)
      this.draw()
      this.describe()
    })
    canvas.addEventListener('pointerleave', () => {
      this.hover = -1
      this.tooltip.hidden = true
      this.draw()
      this.describe()
    })
    canvas.addEventListener('pointerdown', (event) => {
      this.lastInput = 'pointer'
      if (!this.view || event.button !== 0) return
      const p = this.pointToPixel(event.offsetX, event.offsetY)
      this.drag = { start: p, end: p, x: event.offsetX, y: event.offsetY, moved: false }
      canvas.setPointerCapture(event.pointerId)
    })
    canvas.addEventListener('pointerup', (event) => {
      const drag = this.drag
      this.drag = undefined
      if (!drag || !this.view) return
      if (drag.moved) {
        const a = this.pixelToOffset(Math.min(drag.start, drag.end))
        const b = this.pixelToOffset(Math.max(drag.start, drag.end))
        this.draw()
        this.onZoom(Math.floor(a), Math.ceil(b))
        return
      }
      const index = this.spanAtPixel(this.pointToPixel(event.offsetX, event.offsetY))
      // A touchscreen has no hover: the first tap chooses a block and names it, the second acts.
      if (event.pointerType === 'touch' && index !== this.selected) {
        this.selected = index
        this.showTooltip(index, event.offsetX, event.offsetY)
        this.draw()
        this.describe()
        return
      }
      this.activate(index)
    })
    canvas.addEventListener('pointercancel', () => {
      // The browser took the gesture (a vertical swipe scrolls the page).
      this.drag = undefined
      this.draw()
    })
    canvas.addEventListener('keydown', (event) => this.onKey(event))
    canvas.addEventListener('focus', () => {
      // Focus by Tab chooses the first block; focus by a click leaves the choice to the pointer.
      if (this.lastInput === 'keyboard' && this.selected < 0) this.moveSelection(1)
    })
    // Tab arrives as a keydown elsewhere; note it before the canvas's focus event.
    document.addEventListener('keydown', () => { this.lastInput = 'keyboard' }, { capture: true })
  }

  // Click or Enter: free a used block, or zoom into an occupancy slice.
  activate (index) {
    const span = this.view?.spans[index]
    if (!span) return
    if (this.view.mode === 'buckets') this.onZoom(span.offset, span.offset + span.size)
    else if (span.state === 'used') this.onFree(span.ptr ?? span.offset)
  }

  onKey (event) {
    if (!this.view) return
    const { from, to } = this.view
    const span = to - from
    const handled = {
      ArrowRight: () => this.moveSelection(1),
      ArrowDown: () => this.moveSelection(1),
      ArrowLeft: () => this.moveSelection(-1),
      ArrowUp: () => this.moveSelection(-1),
      Enter: () => this.activate(this.selected),
      Delete: () => this.activate(this.selected),
      Backspace: () => this.activate(this.selected),
      '+': () => this.onZoom(from + Math.floor(span / 4), to - Math.floor(span / 4)),
      '=': () => this.onZoom(from + Math.floor(span / 4), to - Math.floor(span / 4)),
      '-': () => this.onZoom(from - Math.ceil(span / 2), to + Math.ceil(span / 2)),
      0: () => this.onZoom(0, this.view.size)
    }[event.key]
    if (!handled) return
    event.preventDefault()
    handled()
  }

  // Moves the keyboard cursor to the next visible used block (segments) or slice (buckets).
  moveSelection (step) {
    if (!this.view) return
    const spans = this.view.spans
    const wanted = (s) => (this.view.mode === 'buckets' || s.state === 'used') && this.pixelRange(s)
    let i = this.selected < 0 ? (step > 0 ? -1 : spans.length) : this.selected
    for (i += step; i >= 0 && i < spans.length; i += step) {
      if (wanted(spans[i])) break
    }
    if (i >= 0 && i < spans.length) this.selected = i
    this.draw()
    this.describe()
  }
}

function formatRange (span) {
  return `${span.offset.toLocaleString('en-US')}–${(span.offset + span.size).toLocaleString('en-US')}`
}

// Diagonal hatching marks free space by texture as well as by colour.
function makeHatch (ctx) {
  const tile = document.createElement('canvas')
  tile.width = 8
  tile.height = 8
  const t = tile.getContext('2d')
  t.strokeStyle = FREE_HATCH
  t.lineWidth = 1
  t.beginPath()
  t.moveTo(0, 8)
  t.lineTo(8, 0)
  t.stroke()
  return ctx.createPattern(tile, 'repeat')
}
