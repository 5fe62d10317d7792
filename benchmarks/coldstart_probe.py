"""One cold start, in a fresh interpreter: import a handler module and invoke it once; prints seconds.

Usage: python benchmarks/coldstart_probe.py <handler.py path> <event json>"""

import json
import sys
import time

started = time.perf_counter()
import contextlib  # noqa: E402
import importlib.util  # noqa: E402

path, event_json = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location("cold_handler", path)
module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
spec.loader.exec_module(module)  # type: ignore[union-attr]
imported = time.perf_counter()


class Context:
    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = 512
    aws_request_id = "cold-start"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


# a probe event may be refused; the cold start is what is measured
with contextlib.suppress(Exception):
    module.handler(json.loads(event_json), Context())
finished = time.perf_counter()
print(json.dumps({"import_s": imported - started, "total_s": finished - started}))
