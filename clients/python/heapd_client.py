"""A client of the heapd service: virtual memory allocation as a service.

One file, the standard library only (urllib, json), Python 3.9 or later::

    from heapd_client import HeapdClient, HeapdError

    heapd = HeapdClient("http://127.0.0.1:3000")
    heap = heapd.create_heap(size=1 << 20, strategy="tlsf")
    block = heapd.alloc_block(heap["id"], size=4096, tag="texture")
    heapd.free_block(heap["id"], block["ptr"])
    print(heapd.get_stats(heap["id"]))

There is one method per operation of the service's OpenAPI document, named after its
``operationId`` in snake_case (``createHeap`` -> ``create_heap``). Path parameters are positional,
in path order; body fields and query parameters are keyword arguments, in snake_case too
(``planId`` is ``plan_id``, ``maxBytes`` is ``max_bytes``; ``from`` is ``from_``).
A method answers the decoded JSON, or ``None`` for a 204. Every problem the service answers
(RFC 9457) raises :class:`HeapdError`. Every change carries an ``Idempotency-Key``, the same on
each retry: a call is tried again after a timeout, a broken connection, a 502, 503 or 504, or a 409 saying an
earlier attempt with the same key is still in flight.
"""

from __future__ import annotations

import json
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

__all__ = ["HeapdClient", "HeapdError", "HeapdConnectionError"]

JSON = Dict[str, Any]


class HeapdError(Exception):
    """A problem the service answered: ``status``, ``code`` (the last segment of ``type``),
    ``detail``, and the whole body, extra members included (``reason``, ``requested``,
    ``largestFree``, ``index``, ``issues`` ...), in ``problem``."""

    def __init__(self, status: int, problem: JSON, retry_after: Optional[float] = None) -> None:
        self.status: int = status
        self.problem: JSON = problem
        self.type: str = str(problem.get("type", ""))
        self.code: str = self.type.rsplit("/", 1)[-1]
        self.title: str = str(problem.get("title", ""))
        self.detail: str = str(problem.get("detail", ""))
        self.retry_after: Optional[float] = retry_after
        super().__init__(f"{self.code} ({status}): {self.detail}")


class HeapdConnectionError(Exception):
    """No answer: the service could not be reached, the connection broke, or it did not answer
    within the timeout, on every attempt."""


class HeapdClient:
    """The heapd service at ``base_url``.

    ``api_key`` is sent as a bearer token; ``timeout`` (seconds) applies to each attempt;
    ``retries`` is the number of attempts after the first.
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:3000",
        api_key: Optional[str] = None,
        timeout: float = 10.0,
        retries: int = 2,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.retries = retries

    # Heaps

    def create_heap(
        self,
        *,
        size: int,
        strategy: Optional[str] = None,
        alignment: Optional[int] = None,
        name: Optional[str] = None,
        record: Optional[bool] = None,
        idempotency_key: Optional[str] = None,
    ) -> JSON:
        """Creates a heap: the range [0, size) under a strategy (first-fit, best-fit or tlsf).
        With ``record=True`` it keeps its history of allocs, frees and reallocs (``get_trace``)."""
        body = _fields(size=size, strategy=strategy, alignment=alignment, name=name, record=record)
        return self._change("POST", "/heaps", body, idempotency_key)

    def list_heaps(self, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> JSON:
        """A page of heaps: ``{"items": [...], "nextCursor": ...}``; ``nextCursor`` is None on the last page."""
        return self._read("/heaps", _fields(limit=limit, cursor=cursor))

    def get_heap(self, id: str) -> JSON:
        return self._read(_path("/heaps/{}", id))

    def delete_heap(self, id: str, *, idempotency_key: Optional[str] = None) -> None:
        self._change("DELETE", _path("/heaps/{}", id), None, idempotency_key)

    def reset_heap(self, id: str, *, idempotency_key: Optional[str] = None) -> JSON:
        """Frees every block; answers the heap, now empty."""
        return self._change("POST", _path("/heaps/{}/reset", id), None, idempotency_key)

    # Blocks

    def alloc_block(
        self,
        id: str,
        *,
        size: int,
        align: Optional[int] = None,
        tag: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> JSON:
        """Allocates a block; answers it, its pointer in ``ptr``."""
        return self._change("POST", _path("/heaps/{}/alloc", id), _fields(size=size, align=align, tag=tag), idempotency_key)

    def list_blocks(self, id: str, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> JSON:
        return self._read(_path("/heaps/{}/blocks", id), _fields(limit=limit, cursor=cursor))

    def get_block(self, id: str, ptr: int) -> JSON:
        return self._read(_path("/heaps/{}/blocks/{}", id, ptr))

    def realloc_block(self, id: str, ptr: int, *, size: int, idempotency_key: Optional[str] = None) -> JSON:
        """Resizes a block, in place when it can; ``moved`` says whether ``ptr`` changed."""
        return self._change("PATCH", _path("/heaps/{}/blocks/{}", id, ptr), {"size": size}, idempotency_key)

    def free_block(self, id: str, ptr: int, *, idempotency_key: Optional[str] = None) -> None:
        self._change("DELETE", _path("/heaps/{}/blocks/{}", id, ptr), None, idempotency_key)

    def run_batch(
        self,
        id: str,
        *,
        ops: List[Mapping[str, Any]],
        atomic: Optional[bool] = None,
        idempotency_key: Optional[str] = None,
    ) -> JSON:
        """Runs ops (``{"op": "alloc", "size": 16}``, ``{"op": "free", "ptr": 0}``, ...) in order."""
        body = _fields(ops=[dict(op) for op in ops], atomic=atomic)
        return self._change("POST", _path("/heaps/{}/batch", id), body, idempotency_key)

    # Layout

    def get_stats(self, id: str) -> JSON:
        return self._read(_path("/heaps/{}/stats", id))

    def get_layout(
        self,
        id: str,
        *,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        buckets: Optional[int] = None,
        from_: Optional[int] = None,
        to: Optional[int] = None,
    ) -> JSON:
        """Used and free segments a page at a time; with ``buckets``, used bytes per bucket of [from_, to)."""
        query = _fields(limit=limit, cursor=cursor, buckets=buckets, to=to)
        if from_ is not None:
            query["from"] = from_
        return self._read(_path("/heaps/{}/layout", id), query)

    # Defragmentation (docs/defrag.md)

    def create_defrag_plan(
        self,
        id: str,
        *,
        goal: Optional[str] = None,
        size: Optional[int] = None,
        align: Optional[int] = None,
        max_bytes: Optional[int] = None,
        max_moves: Optional[int] = None,
        ttl: Optional[int] = None,
        idempotency_key: Optional[str] = None,
    ) -> JSON:
        """Plans block moves (``goal`` ``compact``, or ``hole`` of ``size`` bytes) and opens the plan:
        its destinations are reserved and its blocks pinned until it is committed, aborted or expires.
        Copy ``size`` bytes from ``ptr`` to ``newPtr`` for each of its ``moves``, then commit."""
        body = _fields(goal=goal, size=size, align=align, maxBytes=max_bytes, maxMoves=max_moves, ttl=ttl)
        return self._change("POST", _path("/heaps/{}/defrag", id), body, idempotency_key)

    def get_defrag_plan(self, id: str, plan_id: str) -> JSON:
        """The plan: ``state`` ``open``, or ``committed`` with its ``result``."""
        return self._read(_path("/heaps/{}/defrag/{}", id, plan_id))

    def abort_defrag_plan(self, id: str, plan_id: str, *, idempotency_key: Optional[str] = None) -> None:
        """Releases the plan's destinations and blocks; nothing moves."""
        self._change("DELETE", _path("/heaps/{}/defrag/{}", id, plan_id), None, idempotency_key)

    def commit_defrag_plan(
        self,
        id: str,
        plan_id: str,
        *,
        skipped: Optional[List[int]] = None,
        idempotency_key: Optional[str] = None,
    ) -> JSON:
        """Moves the plan's blocks once their bytes are copied; the sources (``ptr``) in ``skipped`` stay.
        Answers ``{"moved": [...], "skipped": [...], "stats": {...}}``."""
        body = _fields(skipped=None if skipped is None else list(skipped))
        return self._change("POST", _path("/heaps/{}/defrag/{}/commit", id, plan_id), body, idempotency_key)

    # Traces and replays (docs/traces.md)

    def get_trace(self, id: str, *, as_json: bool = False) -> Any:
        """The history of a heap created with ``record=True``: the trace text (``a 0 4096`` ...), or
        with ``as_json=True`` its ops (``{"op": "alloc", "id": 0, "size": 4096}`` ...)."""
        path = _path("/heaps/{}/trace", id)
        if as_json:
            return self._read(path)
        return self._request("GET", path, accept="text/plain")

    def replay_trace(
        self,
        *,
        trace: Union[str, Sequence[Mapping[str, Any]], None] = None,
        heap: Optional[str] = None,
        strategies: Optional[Sequence[str]] = None,
        size: Optional[int] = None,
        alignment: Optional[int] = None,
    ) -> JSON:
        """Replays a trace (its text, or its ops) or the history of the recording ``heap`` on every
        strategy (or on ``strategies``): each one's peak footprint, overhead, failures on a heap of
        ``size`` bytes, fragmentation and speed, against the floor. It changes nothing.
        Give ``trace`` or ``heap``: the service refuses both, or neither (validation-error)."""
        if trace is None:
            joined = None if strategies is None else ",".join(strategies)
            return self._request("POST", "/replays", query=_fields(heap=heap, strategies=joined, size=size, alignment=alignment))
        ops = trace if isinstance(trace, str) else [dict(op) for op in trace]
        body = _fields(trace=ops, strategies=None if strategies is None else list(strategies), size=size, alignment=alignment)
        return self._request("POST", "/replays", query=_fields(heap=heap), body=body)

    # Health

    def healthz(self) -> JSON:
        return self._read("/healthz")

    def readyz(self) -> JSON:
        return self._read("/readyz")

    # Transport

    def _read(self, path: str, query: Optional[JSON] = None) -> JSON:
        result = self._request("GET", path, query=query)
        assert result is not None
        return result

    def _change(self, method: str, path: str, body: Optional[JSON], idempotency_key: Optional[str]) -> Any:
        return self._request(method, path, body=body, idempotency_key=idempotency_key or str(uuid.uuid4()))

    def _request(
        self,
        method: str,
        path: str,
        *,
        query: Optional[JSON] = None,
        body: Optional[JSON] = None,
        idempotency_key: Optional[str] = None,
        accept: str = "application/json",
    ) -> Any:
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode({key: _query_value(value) for key, value in query.items()})
        headers = {"accept": accept}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["content-type"] = "application/json"
        if self.api_key is not None:
            headers["authorization"] = f"Bearer {self.api_key}"
        if idempotency_key is not None:
            # The same key on every attempt: the service applies a change once, whatever the retries.
            headers["idempotency-key"] = idempotency_key
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    text = response.read()
                    if accept != "application/json":
                        return text.decode("utf-8")
                    return None if response.status == 204 or not text else json.loads(text)
            except urllib.error.HTTPError as error:
                failure = _problem(error)
                # 503: nothing changed. 502, 504: a proxy lost the instance; the key makes the retry safe.
                # 409 in flight: an earlier attempt with this key still runs.
                retry = error.code in (502, 503, 504) or (error.code == 409 and failure.code == "idempotency-key-in-flight")
                if not retry or last:
                    raise failure from None
                wait = failure.retry_after if failure.retry_after is not None else _backoff(attempt)
            except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError) as error:
                if last:
                    reason = getattr(error, "reason", error)
                    raise HeapdConnectionError(f"no answer from {self.base_url}: {reason}") from error
                wait = _backoff(attempt)
            time.sleep(min(wait, 5.0))
        raise AssertionError("unreachable")


def _fields(**fields: Any) -> JSON:
    """The fields given, without the ones left at None."""
    return {key: value for key, value in fields.items() if value is not None}


def _path(template: str, *params: Any) -> str:
    return template.format(*(urllib.parse.quote(str(param), safe="") for param in params))


def _query_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _backoff(attempt: int) -> float:
    """Exponential with jitter, so that clients refused together do not come back together."""
    return 0.1 * 2**attempt * (0.5 + random.random() / 2)


def _problem(error: urllib.error.HTTPError) -> HeapdError:
    raw = error.read()
    retry_after: Optional[float] = None
    header = error.headers.get("retry-after") if error.headers is not None else None
    if header is not None and header.strip().isdigit():
        retry_after = float(header.strip())
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("type"), str):
        return HeapdError(error.code, body, retry_after)
    text = raw.decode("utf-8", "replace")[:200]
    problem = {
        "type": "unexpected-response",
        "title": str(error.reason),
        "status": error.code,
        "detail": f"HTTP {error.code} without a problem body" + (f": {text}" if text else ""),
    }
    return HeapdError(error.code, problem, retry_after)
