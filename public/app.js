// heapd's heap map: wires the API to the list, the map, the stats and the forms, and polls
// every 500 ms while the tab is visible (and right after each action) so the map follows.

import { api, getApiKey, setApiKey } from './js/api.js'
import { HistoryChart } from './js/chart.js'
import { formatBytes, formatBytesShort, formatNumber, parseSize, tagColors } from './js/format.js'
import { HeapMap } from './js/map.js'
import { renderHeader, renderLegend, renderStats } from './js/panels.js'
import { renderHeapList, renderSegments } from './js/tables.js'
import { DefragPanel } from './js/defrag.js'
import { WhatIf } from './js/whatif.js'

const POLL_MS = 500
const LIST_POLL_MS = 2000 // the heap list changes less often than the selected heap's map
const MAX_SEGMENTS = 5000 // beyond this the map switches to the ?buckets occupancy view
const TABLE_PAGE = 25
const MAX_BUCKETS = 4096

const $ = (id) => document.getElementById(id)

const state = {
  heaps: [],
  selectedId: undefined,
  heap: undefined,
  from: 0,
  to: 0,
  spans: undefined, // last segment list, reused when zooming without a fetch
  tableCursors: [undefined],
  tablePage: 0,
  tableNext: undefined,
  pollError: undefined,
  listLoadedAt: 0,
  layoutLimit: 1000 // the API's largest page by default; the server's default if it allows less
}

const map = new HeapMap($('map'), {
  tooltip: $('tooltip'),
  info: $('map-info'),
  onFree: (ptr) => freeBlock(ptr),
  onZoom: (from, to) => zoomTo(from, to)
})
const chart = new HistoryChart($('chart'), { usedLabel: $('chart-used'), fragLabel: $('chart-frag') })
const defrag = new DefragPanel({
  card: $('defrag-card'),
  compact: $('defrag-compact'),
  commit: $('defrag-commit'),
  abort: $('defrag-abort'),
  status: $('defrag-status'),
  moves: $('defrag-moves'),
  stats: $('defrag-stats'),
  overlay: $('defrag-overlay'),
  map: $('map')
}, {
  api,
  say: (text) => say(text),
  report: (err) => report(err),
  changed: () => {
    state.listLoadedAt = 0 // a commit changes the heap's numbers in the list too
    return refresh()
  }
})
const whatIf = new WhatIf({
  card: $('whatif-card'),
  title: $('whatif-title'),
  summary: $('whatif-summary'),
  bars: $('whatif-bars'),
  lines: $('whatif-lines'),
  legend: $('whatif-legend'),
  table: $('whatif-results'),
  heapButton: $('whatif-heap'),
  fileInput: $('whatif-file'),
  say: (text) => say(text),
  report: (err) => report(err)
})

// --- messages ---------------------------------------------------------------------------

function say (text, kind = 'info') {
  const box = $('messages')
  box.className = `messages ${kind}`
  box.textContent = text
}

function report (err) {
  say(err.message, 'error')
}

// --- polling ----------------------------------------------------------------------------

let running
let again = false
let timer

// One refresh at a time; a request during a refresh runs once more right after it, so what
// is drawn is never older than the last action.
function refresh () {
  if (running) {
    again = true
    return running
  }
  clearTimeout(timer)
  running = (async () => {
    do {
      again = false
      await refreshOnce()
    } while (again)
  })().finally(() => {
    running = undefined
    schedule()
  })
  return running
}

function schedule () {
  clearTimeout(timer)
  timer = setTimeout(() => {
    if (document.visibilityState === 'visible') refresh()
    else schedule()
  }, POLL_MS)
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') refresh()
})

async function refreshOnce () {
  const listDue = Date.now() - state.listLoadedAt >= LIST_POLL_MS
  const results = await Promise.allSettled([listDue ? refreshHeapList() : undefined, refreshSelected()])
  const failure = results.find((r) => r.status === 'rejected')
  if (failure) {
    // Say a failing poll once, not every 500 ms.
    if (failure.reason.message !== state.pollError) {
      report(failure.reason)
      // The server wants an API key: show where to give one.
      if (failure.reason.status === 401) $('api-key-box').open = true
    }
    state.pollError = failure.reason.message
  } else if (state.pollError) {
    state.pollError = undefined
    say('Connected to heapd again.')
  }
}

async function refreshHeapList () {
  const heaps = []
  let cursor
  do {
    const page = await api.listHeaps(cursor)
    heaps.push(...page.items)
    cursor = page.nextCursor ?? undefined
  } while (cursor && heaps.length < 1000)
  state.heaps = heaps
  state.listLoadedAt = Date.now()
  renderHeapList($('heap-list'), heaps, state.selectedId, pickHeap)
  $('heap-list-empty').hidden = heaps.length > 0
}

async function refreshSelected () {
  const id = state.selectedId
  if (!id) return
  let heap
  try {
    heap = await api.getHeap(id)
  } catch (err) {
    if (err.status === 404 && state.selectedId === id) {
      clearSelection()
      say(`Heap ${id} no longer exists.`, 'error')
      return
    }
    throw err
  }
  if (state.selectedId !== id) return
  if (state.heap?.id !== id) {
    state.from = 0
    state.to = heap.size
  }
  state.heap = heap
  whatIf.showHeap(heap)
  renderHeader(heap)
  renderStats($('stats'), heap.stats)
  chart.push(heap.stats)
  await Promise.all([refreshMap(id, heap), refreshTable(id)])
}

// Every segment when there are few enough to draw; otherwise occupancy buckets of [from, to).
async function refreshMap (id, heap) {
  const count = (heap.stats.liveBlocks ?? 0) + (heap.stats.freeRanges ?? 0)
  const spans = count <= MAX_SEGMENTS ? await fetchSegments(id) : undefined
  if (state.selectedId !== id) return
  state.spans = spans
  if (spans) {
    drawSegments()
    return
  }
  const buckets = bucketCount()
  const page = await api.buckets(id, { buckets, from: state.from, to: state.to })
  if (state.selectedId !== id) return
  map.setData({ mode: 'buckets', size: heap.size, from: state.from, to: state.to, spans: page.buckets })
  renderRange(`occupancy in ${page.buckets.length} slices of ${formatBytesShort(page.bucketSize)}`)
  renderLegend($('legend'), 'buckets')
}

async function fetchSegments (id) {
  const items = []
  let cursor
  while (items.length <= MAX_SEGMENTS) {
    let page
    try {
      page = await api.layout(id, { limit: state.layoutLimit, cursor })
    } catch (err) {
      // A server configured with a smaller HEAPD_MAX_PAGE_SIZE: fall back to its default page.
      if (err.status !== 400 || state.layoutLimit === undefined) throw err
      state.layoutLimit = undefined
      continue
    }
    items.push(...page.items)
    cursor = page.nextCursor ?? undefined
    if (!cursor) return items
  }
  return undefined // too many segments to draw one by one
}

function drawSegments () {
  const colors = tagColors(state.spans.map((s) => s.tag))
  map.setData({ mode: 'segments', size: state.heap.size, from: state.from, to: state.to, spans: state.spans, colors })
  renderRange('every block drawn to scale')
  renderLegend($('legend'), 'segments', state.spans, colors)
}

function bucketCount () {
  const width = $('map').clientWidth || 600
  return Math.max(64, Math.min(MAX_BUCKETS, Math.floor(width / 4) * 16))
}

async function refreshTable (id) {
  const page = await api.layout(id, { limit: TABLE_PAGE, cursor: state.tableCursors[state.tablePage] })
  if (state.selectedId !== id) return
  if (page.items.length === 0 && state.tablePage > 0) {
    // The heap shrank under us (a reset, say): go back to the first page.
    firstPage()
    return
  }
  state.tableNext = page.nextCursor ?? undefined
  renderSegments($('segments'), page.items, freeBlock)
  $('segments-caption').textContent = `Used blocks and free ranges in address order, page ${state.tablePage + 1}${state.tableNext ? '' : ' (last)'}`
  $('page-first').disabled = state.tablePage === 0
  $('page-prev').disabled = state.tablePage === 0
  $('page-next').disabled = !state.tableNext
}

// --- rendering --------------------------------------------------------------------------

function renderRange (mode) {
  const { from, to } = state
  const size = state.heap.size
  const whole = from === 0 && to === size
  $('map-range').textContent = whole
    ? `Whole heap, ${formatBytesShort(size)}: ${mode}`
    : `Bytes ${formatNumber(from)}–${formatNumber(to)} of ${formatBytesShort(size)} (×${formatNumber(Math.round(size / (to - from)))}): ${mode}`
  $('zoom-out').disabled = whole
  $('zoom-all').disabled = whole
  $('zoom-in').disabled = to - from <= minRange()
}

// --- selection and zoom -----------------------------------------------------------------

// The phone layout (one column, styles.css) puts the map above the heap list and the create form,
// where a heap is picked: bring the map into view and move focus to it, or the pick shows nothing.
const oneColumn = window.matchMedia('(max-width: 760px)')
const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)')

function showMap () {
  if (!oneColumn.matches) return
  const card = $('map-card')
  card.focus({ preventScroll: true })
  card.scrollIntoView({ block: 'start', behavior: reducedMotion.matches ? 'auto' : 'smooth' })
}

// A heap picked by the person (in the list, or just created), as opposed to one opened by a link.
function pickHeap (id) {
  const shown = selectHeap(id)
  showMap()
  return shown
}

function selectHeap (id) {
  if (state.selectedId !== id) {
    state.selectedId = id
    state.heap = undefined
    state.spans = undefined
    state.tableCursors = [undefined]
    state.tablePage = 0
    map.clear()
    chart.reset()
    $('segments').replaceChildren()
    delete $('segments').dataset.signature
    history.replaceState(null, '', `#heap=${encodeURIComponent(id)}`)
  }
  defrag.select(id)
  $('heap-view').hidden = false
  $('stats-card').hidden = false
  $('no-selection').hidden = true
  renderHeapList($('heap-list'), state.heaps, id, pickHeap)
  return refresh()
}

function clearSelection () {
  state.selectedId = undefined
  state.heap = undefined
  map.clear()
  defrag.select(undefined)
  $('heap-view').hidden = true
  $('stats-card').hidden = true
  $('no-selection').hidden = false
  history.replaceState(null, '', location.pathname)
}

function minRange () {
  return Math.min(state.heap?.size ?? 1, 16)
}

function zoomTo (from, to) {
  const size = state.heap?.size
  if (!size) return
  let a = Math.max(0, Math.floor(from))
  let b = Math.min(size, Math.ceil(to))
  const min = minRange()
  if (b - a < min) {
    const middle = Math.floor((a + b) / 2)
    a = Math.max(0, Math.min(size - min, middle - Math.floor(min / 2)))
    b = a + min
  }
  state.from = a
  state.to = b
  if (state.spans) drawSegments()
  refresh()
}

function zoomBy (factor) {
  const { from, to } = state
  const middle = from + (to - from) / 2
  const half = ((to - from) * factor) / 2
  zoomTo(middle - half, middle + half)
}

$('zoom-in').addEventListener('click', () => zoomBy(0.5))
$('zoom-out').addEventListener('click', () => zoomBy(2))
$('zoom-all').addEventListener('click', () => zoomTo(0, state.heap?.size ?? 0))

// --- table paging -----------------------------------------------------------------------

function firstPage () {
  state.tableCursors = [undefined]
  state.tablePage = 0
  refresh()
}

$('page-first').addEventListener('click', firstPage)
$('page-prev').addEventListener('click', () => {
  state.tablePage = Math.max(0, state.tablePage - 1)
  refresh()
})
$('page-next').addEventListener('click', () => {
  if (!state.tableNext) return
  state.tableCursors[state.tablePage + 1] = state.tableNext
  state.tablePage++
  refresh()
})

// --- actions ----------------------------------------------------------------------------

function fieldValue (form, name) {
  return form.elements.namedItem(name).value.trim()
}

// Parses a size-like field; marks it invalid and says why when it is not a size.
function sizeField (form, name, label, { optional = false } = {}) {
  const input = form.elements.namedItem(name)
  const text = input.value.trim()
  if (optional && text === '') {
    input.removeAttribute('aria-invalid')
    return undefined
  }
  const value = parseSize(text)
  if (value === undefined) {
    input.setAttribute('aria-invalid', 'true')
    input.focus()
    throw new Error(`${label}: enter a whole number of bytes, such as 4096, 64K or 2^20.`)
  }
  input.removeAttribute('aria-invalid')
  return value
}

async function action (work) {
  try {
    await work()
  } catch (err) {
    report(err)
  }
  state.listLoadedAt = 0 // an action may change any heap's numbers: reload the list too
  await refresh()
}

$('create-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const form = event.currentTarget
  action(async () => {
    const body = { size: sizeField(form, 'size', 'Size'), strategy: fieldValue(form, 'strategy') }
    const alignment = sizeField(form, 'alignment', 'Alignment', { optional: true })
    if (alignment !== undefined) body.alignment = alignment
    const name = fieldValue(form, 'name')
    if (name) body.name = name
    if (form.elements.record.checked) body.record = true
    const heap = await api.createHeap(body)
    say(`Created heap ${heap.name ?? heap.id}: ${formatBytes(heap.size)}, ${heap.strategy}.`)
    form.reset()
    await pickHeap(heap.id)
  })
})

$('alloc-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const form = event.currentTarget
  const id = state.selectedId
  action(async () => {
    const body = { size: sizeField(form, 'size', 'Size') }
    const align = sizeField(form, 'align', 'Align', { optional: true })
    if (align !== undefined) body.align = align
    const tag = fieldValue(form, 'tag')
    if (tag) body.tag = tag
    const block = await api.alloc(id, body)
    say(`Allocated ${formatBytes(block.size)} at ptr ${formatNumber(block.ptr)}${block.tag ? ` (tag ${block.tag})` : ''}.`)
  })
})

function freeBlock (ptr) {
  const id = state.selectedId
  return action(async () => {
    await api.free(id, ptr)
    say(`Freed the block at ptr ${formatNumber(ptr)}.`)
  })
}

$('reset-heap').addEventListener('click', () => {
  const id = state.selectedId
  action(async () => {
    await api.reset(id)
    say('Reset: every block freed.')
  })
})

$('delete-heap').addEventListener('click', () => {
  const id = state.selectedId
  if (!id || !window.confirm('Delete this heap and all its blocks?')) return
  action(async () => {
    await api.deleteHeap(id)
    clearSelection()
    say(`Deleted heap ${id}.`)
  })
})

// --- API key ----------------------------------------------------------------------------

const keyInput = $('api-key')
keyInput.value = getApiKey()
function useApiKey () {
  if (keyInput.value.trim() === getApiKey()) return
  setApiKey(keyInput.value.trim())
  state.listLoadedAt = 0
  refresh()
}
keyInput.addEventListener('change', useApiKey)
keyInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') useApiKey()
})

// --- start ------------------------------------------------------------------------------

// #heap=ID selects a heap, so a link (or the back button) opens the same map.
function followHash () {
  const fromHash = /^#heap=(.+)$/.exec(location.hash)
  if (fromHash) selectHeap(decodeURIComponent(fromHash[1]))
  else refresh()
}
window.addEventListener('hashchange', followHash)
followHash()
