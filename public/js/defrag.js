// Defragmentation on the heap map: the "Compact" button plans a compact, shows each move as an
// arrow from its source block to its reserved destination (paired by colour with a line in the
// move list), and commits it. The page holds no bytes, so there is nothing to copy between the
// two. The plan of each heap is remembered for the tab, so that a reload still shows it.

import { formatBytes, formatNumber, formatPercent } from './format.js'

const SVG = 'http://www.w3.org/2000/svg'
const PAIR_COLORS = ['#d1495b', '#edae49', '#00798c', '#66a182', '#8d6a9f', '#2e4057']
const STORAGE = 'heapd.defragPlans'

function planStore () {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE) ?? '{}')
  } catch {
    return {}
  }
}

function rememberPlan (heapId, planId) {
  const plans = planStore()
  if (planId === undefined) delete plans[heapId]
  else plans[heapId] = planId
  sessionStorage.setItem(STORAGE, JSON.stringify(plans))
}

function svg (name, attributes = {}) {
  const element = document.createElementNS(SVG, name)
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value))
  return element
}

function layoutRow (label, figures) {
  const tr = document.createElement('tr')
  const th = document.createElement('th')
  th.scope = 'row'
  th.textContent = label
  tr.append(th)
  for (const text of figures) {
    const td = document.createElement('td')
    td.className = 'num'
    td.textContent = text
    tr.append(td)
  }
  return tr
}

export class DefragPanel {
  // elements: { card, compact, commit, abort, status, moves, stats, overlay, map }; api: the page's API client.
  constructor (elements, { api, say, report, changed }) {
    this.el = elements
    this.api = api
    this.say = say
    this.report = report
    this.changed = changed
    this.heapId = undefined
    this.plan = undefined
    this.focus = -1 // the move whose pair is highlighted
    this.checking = undefined // a read of the plan in flight (notice)
    this.el.compact.addEventListener('click', () => this.run(() => this.compact()))
    this.el.commit.addEventListener('click', () => this.run(() => this.commit()))
    this.el.abort.addEventListener('click', () => this.run(() => this.abort()))
    // The map redraws on zoom, resize and every poll: follow it.
    new MutationObserver(() => { this.notice(); this.draw() }).observe(this.el.map, { attributes: true, attributeFilter: ['data-from', 'data-to', 'data-mode', 'data-segments'] })
    new ResizeObserver(() => this.draw()).observe(this.el.map)
  }

  // The heap on screen changed: show its plan if this tab made one that is still there.
  async select (heapId) {
    if (heapId === this.heapId) return
    this.heapId = heapId
    this.show(undefined)
    this.el.stats.replaceChildren()
    const planId = heapId === undefined ? undefined : planStore()[heapId]
    if (planId === undefined) return
    try {
      const plan = await this.api.defragPlan(heapId, planId)
      if (this.heapId === heapId && plan.state === 'open') this.show(plan)
    } catch {
      rememberPlan(heapId, undefined) // expired, aborted or replaced: nothing to show
    }
  }

  async run (work) {
    const buttons = [this.el.compact, this.el.commit, this.el.abort]
    for (const button of buttons) button.disabled = true
    try {
      await work()
    } catch (err) {
      this.report(err)
    } finally {
      this.renderButtons()
      await this.changed()
    }
  }

  async compact () {
    const heapId = this.heapId
    const plan = await this.api.planDefrag(heapId, { goal: 'compact' })
    rememberPlan(heapId, plan.id)
    this.show(plan)
    this.renderStats(plan.before, plan.after, 'Planned')
    this.say(plan.moves.length === 0
      ? 'Nothing worth moving: the plan is empty. Commit or abort it.'
      : `Planned ${plan.moves.length} move${plan.moves.length === 1 ? '' : 's'} of ${formatBytes(plan.bytesMoved)}: destinations reserved, sources pinned until commit.`)
  }

  async commit () {
    const { heapId, plan } = this
    const result = await this.api.commitDefrag(heapId, plan.id)
    rememberPlan(heapId, undefined)
    this.show(undefined)
    this.renderStats(plan.before, result.stats, 'Committed')
    this.say(`Committed: ${result.moved.length} block${result.moved.length === 1 ? '' : 's'} moved; largest free range now ${formatBytes(result.stats.largestFree)}.`)
  }

  async abort () {
    const { heapId, plan } = this
    await this.api.abortDefrag(heapId, plan.id)
    rememberPlan(heapId, undefined)
    this.show(undefined)
    this.el.stats.replaceChildren()
    this.say('Plan aborted: nothing moved.')
  }

  // A plan that ended elsewhere (expired, aborted, the heap reset): its reservations are gone from the map.
  notice () {
    const plan = this.plan
    if (plan === undefined || plan.moves.length === 0 || !this.el.map.dataset.segments) return
    const segments = JSON.parse(this.el.map.dataset.segments)
    if (segments.some((segment) => segment.state === 'reserved') || this.checking) return
    // The map may have been fetched before the plan was made: ask the plan itself.
    const { heapId } = this
    this.checking = this.api.defragPlan(heapId, plan.id).then((now) => now.state === 'open', (err) => err.status !== 404 && err.status !== 410)
      .then((open) => {
        if (open || this.plan !== plan) return
        rememberPlan(heapId, undefined)
        this.show(undefined)
        this.say('The defragmentation plan ended: it expired, was aborted, or the heap was reset.')
      })
      .finally(() => { this.checking = undefined })
  }

  show (plan) {
    this.plan = plan
    this.focus = -1
    this.el.card.dataset.planState = plan === undefined ? 'none' : 'open'
    this.renderMoves()
    this.renderButtons()
    this.draw()
  }

  renderButtons () {
    const open = this.plan !== undefined
    this.el.compact.disabled = open || this.heapId === undefined
    this.el.commit.disabled = !open
    this.el.abort.disabled = !open
    this.el.commit.hidden = !open
    this.el.abort.hidden = !open
  }

  renderMoves () {
    const plan = this.plan
    this.el.status.textContent = plan === undefined
      ? 'Compact plans block moves towards lower addresses, shows them, and commits them.'
      : `Plan ${plan.id.slice(0, 8)}: ${plan.moves.length} move${plan.moves.length === 1 ? '' : 's'}, ${formatBytes(plan.bytesMoved)}, open until ${new Date(plan.expiresAt).toLocaleTimeString()}.`
    const items = (plan?.moves ?? []).map((move, index) => {
      const li = document.createElement('li')
      li.dataset.ptr = String(move.ptr)
      li.dataset.newPtr = String(move.newPtr)
      li.dataset.pair = String(index % PAIR_COLORS.length)
      li.tabIndex = 0
      const swatch = document.createElement('span')
      swatch.className = `pair pair-${index % PAIR_COLORS.length}`
      swatch.setAttribute('aria-hidden', 'true')
      li.append(swatch, `${formatNumber(move.ptr)} → ${formatNumber(move.newPtr)} · ${formatBytes(move.size)}${move.tag ? ` · ${move.tag}` : ''}`)
      for (const [type, focus] of [['mouseenter', index], ['focus', index], ['mouseleave', -1], ['blur', -1]]) {
        li.addEventListener(type, () => { this.focus = focus; this.draw() })
      }
      return li
    })
    this.el.moves.replaceChildren(...items)
  }

  renderStats (before, after, label) {
    const row = (name, get) => layoutRow(name, [get(before), get(after)])
    const head = document.createElement('tr')
    for (const text of ['', 'Before', label === 'Planned' ? 'After (planned)' : 'After']) {
      const th = document.createElement('th')
      th.scope = 'col'
      th.textContent = text
      head.append(th)
    }
    const thead = document.createElement('thead')
    thead.append(head)
    const tbody = document.createElement('tbody')
    tbody.append(
      row('Largest free', (s) => formatBytes(s.largestFree)),
      row('Free ranges', (s) => formatNumber(s.freeRanges)),
      row('Fragmentation', (s) => formatPercent(s.fragmentation)),
      row('Sawicki', (s) => formatPercent(s.sawicki))
    )
    this.el.stats.replaceChildren(thead, tbody)
    this.el.stats.dataset.largestFree = `${before.largestFree} ${after.largestFree}`
  }

  // The overlay: sources shaded, destinations outlined, an arrow from each source to its destination.
  draw () {
    const overlay = this.el.overlay
    const map = this.el.map
    const data = map.dataset
    const width = map.clientWidth
    const rows = Number(data.rows)
    const pitch = Number(data.rowPitch)
    const from = Number(data.from)
    const to = Number(data.to)
    const moves = this.plan?.moves ?? []
    overlay.dataset.moves = JSON.stringify(moves.map(({ ptr, newPtr, size }) => ({ ptr, newPtr, size })))
    overlay.setAttribute('viewBox', `0 0 ${Math.max(width, 1)} ${Math.max(rows * pitch, 1)}`)
    overlay.setAttribute('width', String(width))
    overlay.setAttribute('height', String(rows * pitch))
    const children = []
    const defs = svg('defs')
    PAIR_COLORS.forEach((color, index) => {
      const marker = svg('marker', { id: `defrag-arrow-${index}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' })
      marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: color }))
      defs.append(marker)
    })
    children.push(defs)
    if (width > 0 && to > from && data.mode === 'segments') {
      const scale = (width * rows) / (to - from)
      // The middle of the first row piece of a range: where an arrow leaves or lands.
      const anchor = (ranges) => {
        const first = ranges[0]
        return first === undefined ? undefined : { x: first.x + first.w / 2, y: first.y + (pitch - 3) / 2 }
      }
      // Row pieces of [offset, offset + size) clipped to the view, at least 2 px wide.
      const pieces = (offset, size) => {
        const p0 = (Math.max(offset, from) - from) * scale
        const p1 = Math.max(p0 + 2, (Math.min(offset + size, to) - from) * scale)
        const out = []
        for (let p = p0; p < p1 - 1e-9;) {
          const row = Math.floor(p / width)
          if (row >= rows) break
          const end = Math.min(p1, (row + 1) * width)
          out.push({ x: p - row * width, y: row * pitch, w: end - p })
          p = end
        }
        return out
      }
      moves.forEach((move, index) => {
        if (move.ptr + move.size <= from && move.newPtr + move.size <= from) return
        if (move.ptr >= to && move.newPtr >= to) return
        const color = PAIR_COLORS[index % PAIR_COLORS.length]
        const strong = this.focus === index
        const group = svg('g', { class: 'move', 'data-ptr': move.ptr, 'data-new-ptr': move.newPtr })
        const sources = pieces(move.ptr, move.size)
        const destinations = pieces(move.newPtr, move.size)
        for (const piece of sources) {
          group.append(svg('rect', {
            class: 'source',
            x: piece.x,
            y: piece.y,
            width: piece.w,
            height: pitch - 3,
            fill: color,
            'fill-opacity': strong ? 0.75 : 0.5,
            stroke: color,
            'stroke-width': 1
          }))
        }
        for (const piece of destinations) {
          group.append(svg('rect', {
            class: 'destination',
            x: piece.x + 1,
            y: piece.y + 1,
            width: Math.max(piece.w - 2, 1),
            height: pitch - 5,
            fill: 'none',
            stroke: color,
            'stroke-width': strong ? 3 : 2,
            'stroke-dasharray': '4 2'
          }))
        }
        const a = anchor(sources)
        const b = anchor(destinations)
        if (a === undefined || b === undefined) {
          children.push(group)
          return
        }
        // Bowed sideways when source and destination are one above the other, upwards otherwise.
        const bend = Math.abs(b.x - a.x) < 4 * pitch
          ? `${Math.min(width - 2, a.x + 6 * pitch)},${(a.y + b.y) / 2}`
          : `${(a.x + b.x) / 2},${Math.max(0, Math.min(a.y, b.y) - Math.max(pitch, Math.abs(b.x - a.x) / 4))}`
        group.append(svg('path', {
          class: 'arrow',
          d: `M${a.x},${a.y} Q${bend} ${b.x},${b.y}`,
          fill: 'none',
          stroke: color,
          'stroke-width': strong ? 3 : 1.5,
          'marker-end': `url(#defrag-arrow-${index % PAIR_COLORS.length})`
        }))
        children.push(group)
      })
    }
    overlay.replaceChildren(...children)
  }
}
