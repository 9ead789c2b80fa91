// The two tables: the heap list and the page of segments (the map's text alternative).
// Both are redrawn by polling, so they re-render only when their data changed and put the
// keyboard focus back on the same button afterwards.

import { formatBytes, formatBytesShort, formatNumber, formatPercent } from './format.js'

function cell (text, className) {
  const td = document.createElement('td')
  td.textContent = text
  if (className) td.className = className
  return td
}

function button (text, attributes) {
  const b = document.createElement('button')
  b.type = 'button'
  b.textContent = text
  for (const [key, value] of Object.entries(attributes)) b.setAttribute(key, value)
  return b
}

// Re-renders tbody when the signature changes; restores focus to the element with the same
// data-key (or the nearest following one) so a keyboard user is not thrown out by a poll.
function renderRows (tbody, signature, rows) {
  if (tbody.dataset.signature === signature) return
  const focused = tbody.contains(document.activeElement) ? document.activeElement : null
  const focusKey = focused?.dataset.key
  const focusIndex = focused ? [...tbody.querySelectorAll('[data-key]')].indexOf(focused) : -1
  tbody.replaceChildren(...rows)
  tbody.dataset.signature = signature
  if (focusKey === undefined) return
  const keyed = [...tbody.querySelectorAll('[data-key]')]
  const target = keyed.find((el) => el.dataset.key === focusKey) ?? keyed[Math.min(focusIndex, keyed.length - 1)]
  target?.focus()
}

export function renderHeapList (tbody, heaps, selectedId, onSelect) {
  const signature = JSON.stringify([selectedId, heaps.map((h) => [h.id, h.name, h.size, h.strategy, h.stats?.used, h.stats?.fragmentation])])
  const rows = heaps.map((heap) => {
    const tr = document.createElement('tr')
    if (heap.id === selectedId) tr.setAttribute('aria-current', 'true')
    const name = document.createElement('td')
    const select = button(heap.name || heap.id.slice(0, 8), { 'data-key': heap.id, title: heap.name ? `${heap.name} (${heap.id})` : heap.id, class: 'link' })
    select.addEventListener('click', () => onSelect(heap.id))
    name.append(select)
    const used = heap.stats ? formatPercent(heap.stats.used / heap.size) : '—'
    tr.append(name, cell(heap.strategy), cell(formatBytesShort(heap.size), 'num'), cell(used, 'num'), cell(formatPercent(heap.stats?.fragmentation), 'num'))
    return tr
  })
  renderRows(tbody, signature, rows)
}

export function renderSegments (tbody, items, onFree) {
  const signature = JSON.stringify(items)
  const rows = items.map((segment) => {
    const tr = document.createElement('tr')
    tr.className = segment.state
    tr.dataset.offset = String(segment.offset)
    tr.dataset.size = String(segment.size)
    tr.dataset.state = segment.state
    if (segment.tag !== undefined) tr.dataset.tag = segment.tag
    const action = document.createElement('td')
    if (segment.state === 'used') {
      const ptr = segment.ptr ?? segment.offset
      const free = button('Free', { 'data-key': String(ptr), 'aria-label': `Free block at ${ptr}` })
      free.addEventListener('click', () => onFree(ptr))
      action.append(free)
    }
    tr.append(
      cell(formatNumber(segment.offset), 'num'),
      cell(formatBytes(segment.size), 'num'),
      cell(segment.state),
      cell(segment.state === 'used' ? formatNumber(segment.ptr ?? segment.offset) : '', 'num'),
      cell(segment.tag ?? ''),
      action
    )
    return tr
  })
  renderRows(tbody, signature, rows)
}
