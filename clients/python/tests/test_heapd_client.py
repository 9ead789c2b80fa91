"""heapd_client against a live service (HEAPD_URL), and its retries against small fake servers.

Run by test/clients/python.test.ts, which starts the service:
``HEAPD_URL=http://127.0.0.1:3000 python3 -m unittest discover -s clients/python/tests``.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, List, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from heapd_client import HeapdClient, HeapdConnectionError, HeapdError  # noqa: E402

OPENAPI = HERE.parent.parent.parent / "openapi" / "openapi.json"
URL = os.environ.get("HEAPD_URL")


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class EveryOperation(unittest.TestCase):
    def test_one_method_per_operation_id(self) -> None:
        document = json.loads(OPENAPI.read_text("utf-8"))
        operations = [(path, op) for path, item in document["paths"].items() for op in item.values()]
        self.assertGreater(len(operations), 10)
        for path, operation in operations:
            name = snake_case(operation["operationId"])
            with self.subTest(operation=operation["operationId"]):
                method = getattr(HeapdClient, name, None)
                self.assertTrue(callable(method), f"HeapdClient has no method {name} for {operation['operationId']}")
                parameters = list(inspect.signature(method).parameters.values())[1:]
                positional = [p.name for p in parameters if p.kind == p.POSITIONAL_OR_KEYWORD]
                path_parameters = [snake_case(name) for name in re.findall(r"\{(\w+)\}", path)]
                self.assertEqual(positional, path_parameters, "path parameters, positional, in path order")
                keywords = {p.name for p in parameters if p.kind == p.KEYWORD_ONLY}
                query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
                body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
                # A body that is text or JSON (replayTrace) names its JSON fields in one of its shapes.
                shapes = [body, *body.get("anyOf", [])]
                schemas = document.get("components", {}).get("schemas", {})
                fields = set(query)
                for shape in shapes:
                    shape = schemas.get(shape.get("$ref", "").rsplit("/", 1)[-1], shape)
                    fields |= set(shape.get("properties", {}))
                for field in fields:
                    self.assertIn("from_" if field == "from" else snake_case(field), keywords)


@unittest.skipUnless(URL, "HEAPD_URL names no service")
class AgainstTheService(unittest.TestCase):
    def setUp(self) -> None:
        self.heapd = HeapdClient(URL or "")

    def test_a_heap_from_creation_to_deletion(self) -> None:
        heapd = self.heapd
        heap = heapd.create_heap(size=1 << 20, strategy="best-fit", alignment=16, name="python")
        self.assertEqual((heap["size"], heap["strategy"], heap["alignment"], heap["name"]), (1 << 20, "best-fit", 16, "python"))
        self.assertEqual(heapd.get_heap(heap["id"]), heap)
        a = heapd.alloc_block(heap["id"], size=4096, tag="a")
        self.assertEqual(a, {"ptr": 0, "size": 4096, "tag": "a"})
        b = heapd.alloc_block(heap["id"], size=100, align=256)
        self.assertEqual(heapd.get_block(heap["id"], b["ptr"]), b)
        grown = heapd.realloc_block(heap["id"], a["ptr"], size=8192)
        self.assertTrue(grown["moved"])
        self.assertEqual([block["ptr"] for block in heapd.list_blocks(heap["id"])["items"]], [b["ptr"], grown["ptr"]])
        self.assertEqual(len(heapd.list_blocks(heap["id"], limit=1)["items"]), 1)
        batch = heapd.run_batch(heap["id"], ops=[{"op": "alloc", "size": 64}, {"op": "free", "ptr": b["ptr"]}])
        self.assertEqual([result["ok"] for result in batch["results"]], [True, True])
        stats = heapd.get_stats(heap["id"])
        self.assertEqual((stats["used"], stats["liveBlocks"]), (8192 + 64, 2))
        layout = heapd.get_layout(heap["id"])
        self.assertEqual(sum(segment["size"] for segment in layout["items"]), 1 << 20)
        occupancy = heapd.get_layout(heap["id"], buckets=2, from_=0, to=1024)
        self.assertEqual((occupancy["from"], occupancy["to"], occupancy["bucketSize"]), (0, 1024, 512))
        self.assertIsNone(heapd.free_block(heap["id"], grown["ptr"]))
        self.assertEqual(heapd.reset_heap(heap["id"])["stats"]["liveBlocks"], 0)
        self.assertIn(heap["id"], [item["id"] for item in heapd.list_heaps(limit=1000)["items"]])
        self.assertIsNone(heapd.delete_heap(heap["id"]))
        with self.assertRaises(HeapdError) as caught:
            heapd.get_heap(heap["id"])
        self.assertEqual((caught.exception.status, caught.exception.code), (404, "heap-not-found"))
        self.assertEqual(heapd.healthz(), {"status": "ok"})
        self.assertEqual(heapd.readyz(), {"status": "ready"})

    def test_every_problem_raises_heapd_error_with_its_members(self) -> None:
        heapd = self.heapd
        heap = heapd.create_heap(size=1024)
        heapd.alloc_block(heap["id"], size=512)
        heapd.alloc_block(heap["id"], size=256)
        heapd.free_block(heap["id"], 0)
        with self.assertRaises(HeapdError) as caught:
            heapd.alloc_block(heap["id"], size=600)
        error = caught.exception
        self.assertEqual((error.status, error.code), (409, "out-of-memory"))
        self.assertTrue(error.detail)
        self.assertEqual(error.problem["type"], "https://heapd.dev/problems/out-of-memory")
        self.assertEqual((error.problem["reason"], error.problem["requested"], error.problem["largestFree"]), ("fragmented", 600, 512))
        with self.assertRaises(HeapdError) as caught:
            heapd.free_block(heap["id"], 0)
        self.assertEqual((caught.exception.code, caught.exception.problem["reason"]), ("block-not-found", "free"))
        with self.assertRaises(HeapdError) as caught:
            heapd.create_heap(size=0)
        self.assertEqual(caught.exception.code, "validation-error")
        self.assertEqual(caught.exception.problem["issues"][0]["path"], "/size")
        with self.assertRaises(HeapdError) as caught:
            heapd.run_batch(heap["id"], ops=[{"op": "alloc", "size": 16}, {"op": "free", "ptr": 999}], atomic=True)
        self.assertEqual((caught.exception.code, caught.exception.problem["index"]), ("block-not-found", 1))
        self.assertEqual(heapd.get_stats(heap["id"])["liveBlocks"], 1, "the refused atomic batch changed nothing")

    def fragmented_heap(self) -> str:
        """64 KiB: [free 4096][b 4096][c 4096][free ...]."""
        heapd = self.heapd
        heap = heapd.create_heap(size=1 << 16)
        a = heapd.alloc_block(heap["id"], size=4096)
        heapd.alloc_block(heap["id"], size=4096, tag="b")
        heapd.alloc_block(heap["id"], size=4096, tag="c")
        heapd.free_block(heap["id"], a["ptr"])
        return heap["id"]

    def test_a_defragmentation_plan_committed(self) -> None:
        heapd = self.heapd
        heap_id = self.fragmented_heap()
        plan = heapd.create_defrag_plan(heap_id, goal="compact", max_bytes=1 << 16, max_moves=8, ttl=60)
        self.assertEqual((plan["state"], plan["before"]["freeRanges"], plan["after"]["freeRanges"]), ("open", 2, 1))
        self.assertTrue(plan["moves"])
        self.assertEqual(heapd.get_defrag_plan(heap_id, plan["id"]), plan)
        with self.assertRaises(HeapdError) as caught:
            heapd.free_block(heap_id, plan["moves"][0]["ptr"])
        self.assertEqual((caught.exception.code, caught.exception.problem["planId"]), ("block-moving", plan["id"]))
        result = heapd.commit_defrag_plan(heap_id, plan["id"])
        self.assertEqual(result["moved"], [{"ptr": m["ptr"], "newPtr": m["newPtr"], "size": m["size"]} for m in plan["moves"]])
        self.assertEqual((result["skipped"], result["stats"]["freeRanges"]), ([], 1))
        self.assertEqual(sorted(block["ptr"] for block in heapd.list_blocks(heap_id)["items"]), [0, 4096])
        committed = heapd.get_defrag_plan(heap_id, plan["id"])
        self.assertEqual((committed["state"], committed["result"]), ("committed", result))
        with self.assertRaises(HeapdError) as caught:
            heapd.abort_defrag_plan(heap_id, plan["id"])
        self.assertEqual((caught.exception.status, caught.exception.code), (409, "plan-committed"))

    def test_a_defragmentation_plan_with_every_copy_left_out_and_one_aborted(self) -> None:
        heapd = self.heapd
        heap_id = self.fragmented_heap()
        blocks = heapd.list_blocks(heap_id)["items"]
        plan = heapd.create_defrag_plan(heap_id, goal="hole", size=(1 << 16) - 8192)
        result = heapd.commit_defrag_plan(heap_id, plan["id"], skipped=[move["ptr"] for move in plan["moves"]])
        self.assertEqual((result["moved"], len(result["skipped"])), ([], len(plan["moves"])))
        self.assertEqual(heapd.list_blocks(heap_id)["items"], blocks, "every block stayed")
        second = heapd.create_defrag_plan(heap_id)
        self.assertIsNone(heapd.abort_defrag_plan(heap_id, second["id"]))
        self.assertEqual(heapd.list_blocks(heap_id)["items"], blocks)
        with self.assertRaises(HeapdError) as caught:
            heapd.get_defrag_plan(heap_id, second["id"])
        self.assertEqual((caught.exception.status, caught.exception.code), (404, "plan-not-found"))

    def test_a_recording_heaps_trace_and_replays(self) -> None:
        heapd = self.heapd
        heap = heapd.create_heap(size=1 << 16, record=True)
        self.assertEqual(heap["recording"], {"ops": 0, "complete": True})
        a = heapd.alloc_block(heap["id"], size=1000)
        b = heapd.alloc_block(heap["id"], size=2000, align=16)
        heapd.free_block(heap["id"], a["ptr"])
        heapd.free_block(heap["id"], b["ptr"])
        text = heapd.get_trace(heap["id"])
        self.assertTrue(text.startswith("# alloc-trace v1\n"))
        self.assertEqual([line for line in text.splitlines() if not line.startswith("#")], ["a 0 1000", "a 1 2000 16", "f 0", "f 1"])
        ops = heapd.get_trace(heap["id"], as_json=True)
        self.assertEqual(ops, [{"op": "alloc", "id": 0, "size": 1000}, {"op": "alloc", "id": 1, "size": 2000, "align": 16},
                               {"op": "free", "id": 0}, {"op": "free", "id": 1}])

        replay = heapd.replay_trace(trace=text)
        self.assertEqual((replay["ops"], replay["sizeGiven"], replay["peakLive"]["bytes"]), (4, False, 3000))
        self.assertEqual(sorted(result["strategy"] for result in replay["results"]), ["best-fit", "first-fit", "tlsf"])
        small = heapd.replay_trace(trace=ops, strategies=["tlsf", "best-fit"], size=2048)
        self.assertEqual([result["strategy"] for result in small["results"]], ["tlsf", "best-fit"])
        self.assertTrue(all(result["failures"] == 1 and result["firstFailureAt"] == 1 for result in small["results"]))
        recorded = heapd.replay_trace(heap=heap["id"], strategies=["first-fit"], size=4096, alignment=16)
        self.assertEqual((recorded["ops"], recorded["size"], [r["strategy"] for r in recorded["results"]]), (4, 4096, ["first-fit"]))

        with self.assertRaises(HeapdError) as caught:
            heapd.replay_trace(trace="a 0 16\nf 1\n")
        self.assertEqual((caught.exception.code, caught.exception.problem["line"]), ("invalid-trace", 2))
        with self.assertRaises(HeapdError) as caught:
            heapd.replay_trace(trace=ops, heap=heap["id"])
        self.assertEqual(caught.exception.code, "validation-error", "a trace and a heap: one too many")
        plain = heapd.create_heap(size=64)
        with self.assertRaises(HeapdError) as caught:
            heapd.get_trace(plain["id"])
        self.assertEqual((caught.exception.status, caught.exception.code), (404, "not-recording"))

    def test_the_example_runs(self) -> None:
        ran = subprocess.run(
            [sys.executable, str(HERE.parent / "example.py")],
            env={**os.environ, "HEAPD_URL": URL or ""}, capture_output=True, text=True, timeout=60, check=False,
        )
        self.assertEqual(ran.returncode, 0, ran.stderr)
        self.assertEqual(
            ran.stdout.splitlines(),
            [
                "a at 0, b at 100, then c at 0",
                "out-of-memory (409): 774 bytes free, the largest range 724",
                "used 250 of 1024 bytes in 2 blocks, fragmentation 0.06",
            ],
        )


class FakeService:
    """A local HTTP server whose answers `respond` decides; it records each request's method and key."""

    def __init__(self, respond: Callable[[int, BaseHTTPRequestHandler], None]) -> None:
        self.seen: List[tuple] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                outer.seen.append((self.command, self.headers.get("idempotency-key")))
                respond(len(outer.seen) - 1, self)

            do_GET = do_POST = do_PATCH = do_DELETE = _any

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def answer(handler: BaseHTTPRequestHandler, status: int, body: Optional[dict], headers: Optional[dict] = None) -> None:
    data = b"" if body is None else json.dumps(body).encode()
    handler.send_response(status)
    kind = "application/problem+json" if status >= 400 else "application/json"
    for name, value in {"content-type": kind, "content-length": str(len(data)), **(headers or {})}.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


UNAVAILABLE = {"type": "https://heapd.dev/problems/unavailable", "title": "Unavailable", "status": 503,
               "detail": "the store cannot be reached; nothing changed", "instance": "/heaps"}


class Retries(unittest.TestCase):
    def fake(self, respond: Callable[[int, BaseHTTPRequestHandler], None]) -> FakeService:
        service = FakeService(respond)
        self.addCleanup(service.close)
        return service

    def test_a_503_is_retried_with_the_same_idempotency_key(self) -> None:
        def respond(index: int, handler: BaseHTTPRequestHandler) -> None:
            if index == 0:
                answer(handler, 503, UNAVAILABLE, {"retry-after": "0"})
            else:
                answer(handler, 201, {"id": "h", "size": 64})

        service = self.fake(respond)
        self.assertEqual(HeapdClient(service.url).create_heap(size=64), {"id": "h", "size": 64})
        self.assertEqual(len(service.seen), 2)
        self.assertIsNotNone(service.seen[0][1])
        self.assertEqual(service.seen[0][1], service.seen[1][1], "the retry carries the first attempt's key")
        HeapdClient(service.url).free_block("h", 0, idempotency_key="mine")
        self.assertEqual(service.seen[-1], ("DELETE", "mine"))
        HeapdClient(service.url).get_stats("h")
        self.assertEqual(service.seen[-1], ("GET", None), "reads carry no key")
        HeapdClient(service.url).replay_trace(trace="a 0 16\n")
        self.assertEqual(service.seen[-1], ("POST", None), "a replay changes nothing: no key")

    def test_a_gateways_502_and_504_are_retried_with_the_same_key(self) -> None:
        def respond(index: int, handler: BaseHTTPRequestHandler) -> None:
            if index < 2:
                answer(handler, 502 if index == 0 else 504, {"type": "about:blank", "title": "Bad gateway", "status": 502})
            else:
                answer(handler, 201, {"id": "h", "size": 64})

        service = self.fake(respond)
        self.assertEqual(HeapdClient(service.url, retries=3).create_heap(size=64), {"id": "h", "size": 64})
        self.assertEqual(len(service.seen), 3)
        self.assertEqual(len({key for _, key in service.seen}), 1, "one key throughout")

    def test_when_every_attempt_is_a_503_the_problem_is_raised(self) -> None:
        service = self.fake(lambda index, handler: answer(handler, 503, UNAVAILABLE, {"retry-after": "0"}))
        with self.assertRaises(HeapdError) as caught:
            HeapdClient(service.url, retries=3).alloc_block("h", size=1)
        self.assertEqual((caught.exception.status, caught.exception.code, caught.exception.retry_after), (503, "unavailable", 0))
        self.assertEqual(len(service.seen), 4)
        self.assertEqual(len({key for _, key in service.seen}), 1)

    def test_a_timeout_is_retried_with_the_same_key(self) -> None:
        def respond(index: int, handler: BaseHTTPRequestHandler) -> None:
            if index == 0:
                time.sleep(1.0)  # the client gave up on this attempt: nobody reads an answer
                return
            answer(handler, 201, {"ptr": 0, "size": 1})

        service = self.fake(respond)
        self.assertEqual(HeapdClient(service.url, timeout=0.3).alloc_block("h", size=1), {"ptr": 0, "size": 1})
        self.assertEqual(len(service.seen), 2)
        self.assertEqual(service.seen[0][1], service.seen[1][1])

    def test_no_service_raises_heapd_connection_error(self) -> None:
        service = self.fake(lambda index, handler: None)
        url = service.url
        service.close()
        with self.assertRaises(HeapdConnectionError):
            HeapdClient(url, retries=1).list_heaps()

    def test_an_error_without_a_problem_body(self) -> None:
        def respond(index: int, handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(502)
            handler.send_header("content-type", "text/html")
            handler.send_header("content-length", "9")
            handler.end_headers()
            handler.wfile.write(b"<h1>x</h1>"[:9])

        service = self.fake(respond)
        with self.assertRaises(HeapdError) as caught:
            HeapdClient(service.url).list_heaps()
        self.assertEqual((caught.exception.status, caught.exception.code), (502, "unexpected-response"))


if __name__ == "__main__":
    unittest.main()
