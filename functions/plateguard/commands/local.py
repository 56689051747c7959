"""`plateguard local`: run the embedded local AWS with the real handlers until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from plateguard.local.runner import DEFAULT_STATE_DIR, AlreadyRunning, LocalEnvironment


def format_alert(alert: dict[str, Any]) -> str:
    kind = "HISTORICAL ALERT" if alert.get("historical") else "ALERT"
    plate = str(alert.get("plate"))
    if alert.get("match_quality") == "ambiguous":
        plate += f" (listed {alert.get('listed_plate')}, differs at {alert.get('differing_positions')})"
    return (
        f"{kind} [{str(alert.get('priority', '?')).upper()}] {alert.get('list_type')} {plate} "
        f"at {alert.get('camera_name')} {alert.get('captured_at')} "
        f"confidence={alert.get('confidence')} match={alert.get('match_quality')} "
        f"(alert {alert.get('alert_id')}) - {alert.get('notice')}"
    )


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "local", help="run PlateGuard on an embedded local AWS (moto server on 127.0.0.1) until Ctrl-C"
    )
    parser.add_argument("--port", type=int, default=0, help="port for the local AWS endpoint (default: a free one)")
    parser.set_defaults(func=run_local)


def run_local(args: argparse.Namespace) -> int:
    stop = threading.Event()
    environment = LocalEnvironment(
        state_dir=DEFAULT_STATE_DIR, port=args.port, on_alert=lambda a: print(format_alert(a), flush=True)
    )
    try:
        environment.start()
    except AlreadyRunning as exc:
        print(f"error: {exc}")
        return 1
    # Ctrl-C and SIGTERM both stop cleanly (a shell may start background jobs with SIGINT ignored).
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    state = environment.state
    print(f"PlateGuard local mode: AWS endpoint {state['aws_endpoint_url']} (region {state['region']})")
    for name in ("images_bucket", "ingest_queue_url", "alert_topic_arn", "inbox_queue_url", "api_url"):
        if name in state:
            print(f"  {name}: {state[name]}")
    print(f"  state: {DEFAULT_STATE_DIR / 'local.json'}")
    print("Upload to s3://{}/incoming/... ; alerts print here. Ctrl-C to stop.".format(state["images_bucket"]))
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        environment.stop()
        print("PlateGuard local mode stopped.")
    return 0
