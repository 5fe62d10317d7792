"""Fan-out to 50 simulated insurers at 200 ms latency each, on an in-process local cloud: the time from
`dispatch` until every insurer's first response is recorded on the event (target ≤ 1 s), side by side with a
sequential loop filing the same 50 claims one after another through the same connector (target ≥ 10× slower)."""

from __future__ import annotations

import os
import statistics
import time
from datetime import datetime
from typing import Any

INSURERS = 50
LATENCY_S = 0.2
RUNS = 9


def _profiles() -> list:
    from local.simulators.insurers import InsurerProfile

    return [
        InsurerProfile(f"bench-{n:02d}", f"Bench Insurer {n:02d}", latency_s=LATENCY_S, step_s=3600.0)
        for n in range(INSURERS)
    ]


def _parse(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class Recorded:
    """When each first response's conditional write returned (wall clock), per event: the moment it is recorded."""

    def __init__(self) -> None:
        import threading

        from insure.risk.progress import ProgressRepository

        self.lock = threading.Lock()
        self.at: dict[str, list[float]] = {}
        original = ProgressRepository.record_first_response

        def record_first_response(repo: Any, risk_event_id: str, *args: Any, **kwargs: Any) -> Any:
            result = original(repo, risk_event_id, *args, **kwargs)
            if result is not None:
                with self.lock:
                    self.at.setdefault(risk_event_id, []).append(time.time())
            return result

        ProgressRepository.record_first_response = record_first_response  # type: ignore[method-assign]

    def count(self, event_id: str) -> int:
        with self.lock:
            return len(self.at.get(event_id, []))


def _fan_out_once(risk: Any, event_id: str, ids: list[str], recorded: Recorded) -> tuple[float, float]:
    """Seconds from `dispatch` until the last insurer's first response was recorded: (the last write returned,
    the last answer's own timestamp on its record). Every record is then read back from the table."""
    from insure.risk import fanout

    request = fanout.FanoutRequest(
        risk_event_id=event_id,
        event_type="fire",
        facts={"description": "benchmark"},
        occurred_at="2026-11-23T07:00:00Z",
        location=None,
        policies=[
            fanout.PolicyRef(insurer_id=i, policy_number=f"P-{n}", product="property") for n, i in enumerate(ids)
        ],
    )
    began_wall = time.time()
    risk.dispatcher.dispatch(request)
    deadline = time.monotonic() + 60
    # Watch the writes (in this process, free) rather than the table, so the watching costs the platform nothing.
    while recorded.count(event_id) < len(ids):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{event_id}: not every first response was recorded within 60 s")
        time.sleep(0.01)
    written = max(recorded.at[event_id]) - began_wall
    stamps = [p.first_response_at for p in risk.progress.timeline(event_id) if p.first_response_at]
    if len(stamps) != len(ids):
        raise RuntimeError(f"{event_id}: {len(stamps)} of {len(ids)} first responses on the event")
    return written, max(_parse(r) for r in stamps) - began_wall


def _settle(cloud: Any) -> None:
    """Between runs (outside the timed window): the previous run's notifications are delivered and every function
    is idle, then the queued polls are dropped, so each run starts from a quiet system, as a fresh one would be
    (without this, a run measured what was left of the one before it)."""
    from insure.aws import client

    sqs = client("sqs")
    deadline = time.monotonic() + 60
    counts = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
    while time.monotonic() < deadline:
        attributes = sqs.get_queue_attributes(
            QueueUrl=cloud.deployment.queues["notifications"], AttributeNames=list(counts)
        )["Attributes"]
        if all(attributes[name] == "0" for name in counts) and cloud.functions.idle():
            break
        time.sleep(0.05)
    else:
        raise TimeoutError("the previous run's notifications were not delivered within 60 s")
    sqs.purge_queue(QueueUrl=cloud.deployment.queues["insurer-requests"])
    time.sleep(0.5)


def _sequential(risk: Any, ids: list[str]) -> float:
    from insure.risk.connector import ClaimFiling

    connector = risk.worker.connector  # the fan-out's own connector (same pool, same timeout)
    insurers = [risk.insurer_store.get(i) for i in ids]
    began = time.perf_counter()
    for n, insurer in enumerate(insurers):
        assert insurer is not None
        connector.file_claim(
            insurer,
            ClaimFiling(
                risk_event_id=f"seq-{began}",
                policy_number=f"P-{n}",
                event_type="fire",
                facts={},
                occurred_at="2026-11-23T07:00:00Z",
            ),
        )
    return time.perf_counter() - began


def run() -> str:
    saved = os.environ.get("INSURER_POLL_INTERVAL_S")
    os.environ["INSURER_POLL_INTERVAL_S"] = "900"  # first responses only: no polls competing in the window
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    from local.cloud import LocalCloud
    from local.components import default_components
    from local.simulators.insurers import InsurerSimulator

    simulator = InsurerSimulator(profiles=_profiles())
    components = [c for c in default_components() if not isinstance(c, InsurerSimulator)] + [simulator]
    cloud = LocalCloud(port=0, components=components).start()
    recorded = Recorded()
    from insure.roots.risk import RiskRoot

    risk = RiskRoot.from_environment()  # this process's view of the local cloud's resources
    try:
        ids = list(simulator.insurer_ids().values())
        assert len(ids) == INSURERS
        _fan_out_once(risk, "bench-warmup", ids, recorded)  # execution environments created once, as a warm system
        fanned, stamped = [], []
        for n in range(RUNS):
            _settle(cloud)
            written, answered = _fan_out_once(risk, f"bench-{n}", ids, recorded)
            fanned.append(written)
            stamped.append(answered)
        sequential = _sequential(risk, ids)
    finally:
        cloud.stop()
        if saved is None:
            os.environ.pop("INSURER_POLL_INTERVAL_S", None)
        else:
            os.environ["INSURER_POLL_INTERVAL_S"] = saved
    median, best, worst = statistics.median(fanned), min(fanned), max(fanned)
    answered = statistics.median(stamped)
    speedup = sequential / median
    runs = ", ".join(f"{x:.3f}" for x in fanned)
    print(f"fan-out to {INSURERS} insurers at {LATENCY_S * 1000:.0f} ms: every first response recorded in")
    print(f"  median {median:.3f} s, best {best:.3f} s, worst {worst:.3f} s after dispatch (runs: {runs})")
    print(f"  (median of the last answer's own timestamp: {answered:.3f} s)")
    print(f"sequential loop over the same {INSURERS}: {sequential:.3f} s  → fan-out is {speedup:.1f}× faster")
    verdict_time = "met" if median <= 1.0 else "missed"
    verdict_speed = "met" if speedup >= 10 else "missed"
    load = os.getloadavg()[0]
    return (
        "## Fan-out to insurers\n\n"
        f"{INSURERS} simulated insurers, each answering in {LATENCY_S * 1000:.0f} ms, on an in-process local cloud "
        "(moto as AWS, SQS poller feeding the fan-out function up to 8 batches at once, each batch's insurers "
        "called concurrently). Time from the start of `dispatch` until the last insurer's first response is "
        f"recorded on the event (its conditional write returned), {RUNS} warm runs, against a sequential loop "
        f"filing the same {INSURERS} claims through the same connector. The whole local cloud is one Python "
        f"process, so the figure is bound by one core. Load average during the run: {load:.1f} on "
        f"{os.cpu_count()} cores.\n\n"
        "| measure | value | target |\n|---|---|---|\n"
        f"| every first response recorded (median) | {median:.3f} s | ≤ 1 s ({verdict_time}) |\n"
        f"| best / worst run | {best:.3f} s / {worst:.3f} s | |\n"
        f"| last answer's timestamp on its record (median) | {answered:.3f} s | |\n"
        f"| sequential loop | {sequential:.3f} s | |\n"
        f"| speed-up | {speedup:.1f}× | ≥ 10× ({verdict_speed}) |\n"
    )


if __name__ == "__main__":
    print(run())
