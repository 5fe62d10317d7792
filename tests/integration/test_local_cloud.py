"""The local cloud builds exactly what the declaration names, and moto runs our handlers in-process."""

from __future__ import annotations

import json

import boto3

import declaration
from tests.integration.test_issuance import issuance, open_application, submit  # noqa: F401 - fixture


def test_creates_exactly_the_declared_tables_queues_and_functions(platform):
    # Given the platform deployed on moto from the declaration
    dynamodb = boto3.client("dynamodb")
    sqs = boto3.client("sqs")
    lambda_ = boto3.client("lambda")
    # Then the tables, queues (each with its DLQ) and functions are exactly the declared ones
    assert sorted(dynamodb.list_tables()["TableNames"]) == sorted(t.name for t in declaration.TABLES)
    queue_names = sorted(url.rsplit("/", 1)[1] for url in sqs.list_queues().get("QueueUrls", []))
    assert queue_names == sorted([q.name for q in declaration.QUEUES] + [f"{q.name}-dlq" for q in declaration.QUEUES])
    functions = sorted(f["FunctionName"] for f in lambda_.list_functions()["Functions"])
    assert functions == sorted(f.name for f in declaration.FUNCTIONS)
    # And the main table has its GSI and TTL as declared
    table = dynamodb.describe_table(TableName=declaration.TABLE)["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["gsi1"]
    ttl = dynamodb.describe_time_to_live(TableName=declaration.TABLE)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at_epoch"


def test_lambda_hook_runs_handler_in_process_with_pinned_moto(platform):
    # Given the hook installed over moto's private LambdaFunction._invoke_lambda
    lambda_ = boto3.client("lambda")
    event = {
        "resource": "/nope",
        "path": "/nope",
        "httpMethod": "GET",
        "headers": {},
        "body": None,
        "requestContext": {"requestId": "r1", "stage": "local"},
    }
    # When Lambda is invoked through the AWS API
    response = lambda_.invoke(FunctionName="health", Payload=json.dumps(event).encode())
    payload = json.loads(response["Payload"].read())
    # Then our real handler answered (a problem for an unknown path, from our resolver)
    assert payload["statusCode"] == 404
    assert json.loads(payload["body"])["type"].endswith("/not-found")
    assert "FunctionError" not in response


def test_lambda_hook_reports_exception_class_as_error_type(platform, monkeypatch):
    # Given a handler that raises a named exception
    class UnderwritingUnavailable(Exception):
        pass

    def boom(name, event):
        raise UnderwritingUnavailable("rulebook store down")

    monkeypatch.setattr(platform.functions, "invoke", boom)
    # When it is invoked through the Lambda API
    response = boto3.client("lambda").invoke(FunctionName="health", Payload=b"{}")
    # Then Lambda reports a function error whose errorType is the class name (what ASL Catch matches)
    assert response["FunctionError"] == "Handled"
    assert json.loads(response["Payload"].read())["errorType"] == "UnderwritingUnavailable"


def test_health_reports_table(platform):
    response = platform.api.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "components": {"table": "ok"}}
    assert response.headers["X-Request-Id"]


def test_request_id_is_echoed(platform):
    response = platform.api.get("/health", headers={"X-Request-Id": "abc-123"})
    assert response.headers["X-Request-Id"] == "abc-123"


def test_unknown_path_and_method_are_problems(platform):
    missing = platform.api.get("/nowhere")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/problem+json"
    wrong = platform.api.delete("/health")
    assert wrong.status_code == 405


def test_body_over_the_function_limit_is_413_and_changes_nothing(platform):
    response = platform.api.get("/health", data=b"x" * (64 * 1024 + 1))
    assert response.status_code == 413
    assert response.json["title"] == "Payload too large"


def _gateway(platform, **options):

    from local.api_gateway import ApiGateway

    return ApiGateway(platform.functions, **options)


class _Caller:
    """A client of the gateway at its own source address."""

    def __init__(self, gateway, address: str) -> None:
        from werkzeug.test import Client

        self.client, self.address = Client(gateway), address

    def get(self, path: str, **kwargs):
        return self.client.get(path, environ_base={"REMOTE_ADDR": self.address}, **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post(path, environ_base={"REMOTE_ADDR": self.address}, **kwargs)


def _client(gateway, address: str) -> _Caller:
    return _Caller(gateway, address)


def test_each_client_is_throttled_on_its_own_with_a_problem_and_when_to_retry(platform):
    from local.api_gateway import ClientThrottle

    # Given a gateway allowing each client a burst of 2 and a token every 100 s
    gateway = _gateway(platform, clients=ClientThrottle(rate=0.01, burst=2))
    eager, other = _client(gateway, "10.0.0.1"), _client(gateway, "10.0.0.2")
    # When one client sends a third request at once
    assert [eager.get("/health").status_code for _ in range(2)] == [200, 200]
    throttled = eager.get("/health", headers={"X-Request-Id": "retry-me"})
    # Then it gets 429 with Retry-After, an RFC 9457 problem and its request id
    assert throttled.status_code == 429
    assert throttled.headers["Content-Type"] == "application/problem+json"
    assert throttled.json["status"] == 429 and throttled.json["type"].endswith("/throttled")
    assert 1 <= int(throttled.headers["Retry-After"]) <= 100
    assert throttled.headers["X-Request-Id"] == "retry-me"
    # And another client is still served
    assert other.get("/health").status_code == 200


def test_a_function_answering_after_the_integration_timeout_is_a_504_problem(platform):
    import threading

    release = threading.Event()

    class SlowHost:
        def invoke(self, name, event, *, deadline=None):
            release.wait(10)
            return {"statusCode": 200, "body": "{}"}

    from local.api_gateway import ApiGateway

    gateway = ApiGateway(SlowHost(), integration_timeout_s=0.05)  # type: ignore[arg-type]
    try:
        response = _client(gateway, "10.0.0.3").get("/products")
    finally:
        release.set()
    assert response.status_code == 504
    assert response.json["type"].endswith("/gateway-timeout")
    assert response.headers["X-Request-Id"]


def _drafts() -> int:
    import declaration

    items = boto3.client("dynamodb").scan(TableName=declaration.TABLE)["Items"]
    return sum(1 for item in items if item["pk"]["S"].startswith("APPLICATION#"))


def test_a_request_still_queued_at_the_timeout_never_runs(platform):
    import threading

    from scripts.samples import APPLICATION

    # Given the API busy with a long request (another thread holds the turn)
    gateway = _gateway(platform, integration_timeout_s=0.2)
    holding, done = threading.Event(), threading.Event()

    def busy() -> None:
        with platform.functions._resolver_lock:
            holding.set()
            done.wait(10)

    threading.Thread(target=busy).start()
    assert holding.wait(5)
    try:
        # When an application is posted and its turn has not come within the timeout
        response = _client(gateway, "10.0.0.4").post("/applications", json=APPLICATION)
    finally:
        done.set()
    # Then the client got 504 and no application was created behind its back, even once the API is free
    assert response.status_code == 504
    with platform.functions._resolver_lock:
        pass
    assert _drafts() == 0
    assert _client(_gateway(platform), "10.0.0.4").post("/applications", json=APPLICATION).status_code == 201
    assert _drafts() == 1


def _served(platform, lines: list[str]):
    """The gateway served over HTTP (its log lines into `lines`), and its URL."""
    import threading

    from werkzeug.serving import make_server

    from local.cloud import free_port

    server = make_server("127.0.0.1", free_port(), _gateway(platform, log=lines.append), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.port}"


def _post_application(port: int, headers: str = ""):
    """A client's connection with a POST /applications sent whole on it (the answer not read)."""
    import socket

    from scripts.samples import APPLICATION

    body = json.dumps(APPLICATION).encode()
    client = socket.create_connection(("127.0.0.1", port))
    head = f"POST /applications HTTP/1.1\r\nHost: local\r\nContent-Type: application/json\r\n{headers}"
    client.sendall(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return client


def _logged(lines: list[str], start: str) -> str:
    """The gateway's log line starting with `start`, once it is written."""
    import time

    deadline = time.monotonic() + 10
    while not any(line.startswith(start) for line in lines):
        assert time.monotonic() < deadline, f"no log line {start!r}"
        time.sleep(0.01)
    return next(line for line in lines if line.startswith(start))


def _sessions() -> int:
    items = boto3.client("dynamodb").scan(TableName=declaration.TABLE)["Items"]
    return sum(1 for item in items if item["pk"]["S"].startswith("SESSION#"))


def test_a_client_that_gave_up_while_its_request_was_queued_leaves_no_application(platform):
    import threading
    import time

    import requests

    from scripts.samples import APPLICATION

    # Given the gateway served over HTTP, and the API busy with a slow request (another thread holds the turn)
    lines: list[str] = []
    server, url = _served(platform, lines)
    lock = platform.functions._resolver_lock
    holding, done = threading.Event(), threading.Event()

    def slow() -> None:
        with lock:
            holding.set()
            done.wait(10)

    threading.Thread(target=slow).start()
    assert holding.wait(5)
    try:
        # When a client posts an application, and gives up (closes its connection) while the request is queued
        client = _post_application(server.port)
        deadline = time.monotonic() + 10
        while lock.waiting < 1:  # queued behind the slow one
            assert time.monotonic() < deadline, "the request was never queued"
            time.sleep(0.01)
        client.close()
    finally:
        done.set()  # the slow request ends: the queued one gets its turn
    try:
        # Then it was dropped unrun: no application behind the back of a client who is gone
        assert _logged(lines, "POST /applications ").startswith("POST /applications 499 ")
        assert _drafts() == 0
        # And a client that waits is served as before
        assert requests.post(f"{url}/applications", json=APPLICATION, timeout=30).status_code == 201
        assert _drafts() == 1
    finally:
        server.shutdown()


def _held_after_creating(monkeypatch):
    """Makes the next application creation wait, once written, until the returned `release` is set; `created`
    is set once it is written."""
    import threading

    from insure.applications.repository import ApplicationRepository

    created, release = threading.Event(), threading.Event()
    original = ApplicationRepository.create

    def create(self, record, *then_put):
        original(self, record, *then_put)
        created.set()
        release.wait(10)

    monkeypatch.setattr(ApplicationRepository, "create", create)
    return created, release


def test_a_client_that_gave_up_while_its_application_was_being_opened_leaves_no_application(platform, monkeypatch):
    # Given the gateway served over HTTP, and a POST /applications that has written its draft and its session
    lines: list[str] = []
    server, _ = _served(platform, lines)
    created, release = _held_after_creating(monkeypatch)
    client = _post_application(server.port)
    try:
        assert created.wait(10)
        assert (_drafts(), _sessions()) == (1, 1)
        # When its client gives up (closes its connection) before the answer comes
        client.close()
    finally:
        release.set()
    try:
        # Then the gateway answers no one (one log line, 499), and the draft and its session are gone
        assert _logged(lines, "POST /applications ").startswith("POST /applications 499 ")
        assert [line for line in lines if line.startswith("POST /applications ")] == [lines[-1]]
        assert (_drafts(), _sessions()) == (0, 0)
    finally:
        server.shutdown()


def test_an_application_opened_with_an_idempotency_key_stays_for_its_client_to_fetch_again(platform, monkeypatch):
    import requests

    from scripts.samples import APPLICATION

    # Given an application being opened with an Idempotency-Key, whose client gives up before the answer
    lines: list[str] = []
    server, url = _served(platform, lines)
    created, release = _held_after_creating(monkeypatch)
    client = _post_application(server.port, "Idempotency-Key: k-1\r\n")
    try:
        assert created.wait(10)
        client.close()
    finally:
        release.set()
    try:
        assert _logged(lines, "POST /applications ").startswith("POST /applications 499 ")
        # Then the application stays: the client's retry with the same key gets it, and no second one is opened
        assert _drafts() == 1
        retried = requests.post(f"{url}/applications", json=APPLICATION, headers={"Idempotency-Key": "k-1"}, timeout=30)
        assert retried.status_code == 201
        assert _drafts() == 1
        assert (
            requests.get(
                f"{url}/applications/{retried.json()['application_id']}",
                headers={"Authorization": f"Bearer {retried.json()['session_token']}"},
                timeout=30,
            ).status_code
            == 200
        )
    finally:
        server.shutdown()


def test_api_calls_take_turns_in_the_order_they_arrived():
    import threading

    from local.functions_host import FairLock

    lock, order = FairLock(), []
    lock.acquire()
    threads = []
    for n in range(5):
        thread = threading.Thread(target=lambda n=n: (lock.acquire(), order.append(n), lock.release()))
        thread.start()
        threads.append(thread)
        while lock.waiting < n + 1:  # queued behind the previous one
            threading.Event().wait(0.001)
    lock.release()
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]


def test_a_waiter_that_gives_up_leaves_the_queue_without_holding_the_lock():
    import threading

    from local.functions_host import FairLock

    lock = FairLock()
    lock.acquire()
    assert lock.acquire(timeout=5)  # re-entrant for its holder
    lock.release()
    gave_up = []
    waiter = threading.Thread(target=lambda: gave_up.append(not lock.acquire(timeout=0.01)))
    waiter.start()
    waiter.join(5)
    lock.release()
    assert gave_up == [True]
    assert lock.acquire(timeout=1)  # the queue moved past the waiter that left
    lock.release()


def _application_item(application_id: str):
    import declaration

    key = {"pk": {"S": f"APPLICATION#{application_id}"}, "sk": {"S": "APPLICATION"}}
    return boto3.client("dynamodb").get_item(TableName=declaration.TABLE, Key=key).get("Item")


def test_a_draft_nobody_submitted_expires_with_its_session_a_submitted_one_stays(issuance):  # noqa: F811
    import declaration
    from local.ttl_sweeper import sweep

    # Given an application whose client gave up after creating it, and one its client submitted
    abandoned, _ = open_application(issuance.api)
    submitted, auth = open_application(issuance.api)
    assert submit(issuance.api, submitted, auth)["status"] in ("offered", "declined")
    session_end = int(_application_item(abandoned)["session_expires_at_epoch"]["N"])
    dynamodb = boto3.client("dynamodb")
    # When DynamoDB's TTL runs before the session ends, nothing goes
    assert sweep(dynamodb, declaration.TABLE, "expires_at_epoch", now=session_end - 60) == 0
    assert _application_item(abandoned) is not None
    # And once the session has ended, the draft is deleted and the submitted application stays
    assert sweep(dynamodb, declaration.TABLE, "expires_at_epoch", now=session_end + 1) > 0
    assert _application_item(abandoned) is None
    assert _application_item(submitted)["status"]["S"] in ("offered", "declined")


def test_concurrent_calls_of_one_api_function_each_find_their_caller(platform):
    import threading

    from scripts.samples import APPLICATION

    # Given a person's session (a page reads several things of it at once)
    created = _client(_gateway(platform), "10.0.0.5").post("/applications", json=APPLICATION)
    auth = {"Authorization": f"Bearer {created.json['session_token']}"}
    path = f"/applications/{created.json['application_id']}"
    statuses: list[int] = []

    def read() -> None:
        statuses.append(_client(_gateway(platform), "10.0.0.5").get(path, headers=auth).status_code)

    # When six reads of it arrive at once
    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # Then each is answered as its caller (a second environment's resolver never steals the routers' context)
    assert statuses == [200] * 6
    assert len(platform.functions._pools["applications"]) == 1
