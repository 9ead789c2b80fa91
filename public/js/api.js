// The heapd HTTP API as the page uses it: the public routes only, JSON in, JSON or problem+json out.

const KEY_STORAGE = 'heapd.apiKey'

export class ApiError extends Error {
  constructor (status, problem) {
    const title = problem?.title ?? `HTTP ${status}`
    super(problem?.detail ? `${title}: ${problem.detail}` : title)
    this.status = status
    this.problem = problem ?? {}
  }
}

export function getApiKey () {
  return sessionStorage.getItem(KEY_STORAGE) ?? ''
}

export function setApiKey (key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key)
  else sessionStorage.removeItem(KEY_STORAGE)
}

async function request (method, path, body) {
  const headers = { accept: 'application/json, application/problem+json' }
  const key = getApiKey()
  if (key) headers.authorization = `Bearer ${key}`
  const init = { method, headers }
  if (body !== undefined) {
    headers['content-type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  let response
  try {
    response = await fetch(path, init)
  } catch (err) {
    throw new ApiError(0, { title: 'Network error', detail: `heapd did not answer (${err.message})` })
  }
  if (response.status === 204) return undefined
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

function query (params) {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) search.set(name, String(value))
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}

const heapPath = (id) => `heaps/${encodeURIComponent(id)}`

// Paths are relative so the page also works behind a proxy that mounts heapd under a prefix.
export const api = {
  listHeaps: (cursor, limit = 100) => request('GET', `heaps${query({ limit, cursor })}`),
  createHeap: (body) => request('POST', 'heaps', body),
  getHeap: (id) => request('GET', heapPath(id)),
  deleteHeap: (id) => request('DELETE', heapPath(id)),
  alloc: (id, body) => request('POST', `${heapPath(id)}/alloc`, body),
  free: (id, ptr) => request('DELETE', `${heapPath(id)}/blocks/${ptr}`),
  reset: (id) => request('POST', `${heapPath(id)}/reset`),
  layout: (id, { limit, cursor }) => request('GET', `${heapPath(id)}/layout${query({ limit, cursor })}`),
  buckets: (id, { buckets, from, to }) => request('GET', `${heapPath(id)}/layout${query({ buckets, from, to })}`),
  planDefrag: (id, body) => request('POST', `${heapPath(id)}/defrag`, body),
  defragPlan: (id, planId) => request('GET', `${heapPath(id)}/defrag/${encodeURIComponent(planId)}`),
  commitDefrag: (id, planId) => request('POST', `${heapPath(id)}/defrag/${encodeURIComponent(planId)}/commit`, {}),
  abortDefrag: (id, planId) => request('DELETE', `${heapPath(id)}/defrag/${encodeURIComponent(planId)}`)
}
