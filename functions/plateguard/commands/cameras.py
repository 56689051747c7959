"""`plateguard cameras add|list|show|retire|rotate-credentials` (admins, through the audited API) and
`plateguard camera upload` (the camera side: certificate -> temporary credentials -> PutObject).

`cameras add` and `cameras rotate-credentials` write the camera's upload identity to `--out DIR`:
`certificate.pem`, `private.key` (mode 0600; the API returns the key once and keeps no copy) and
`camera.json` (thing name, agency, bucket, prefix, region, credentials endpoint, role alias).
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from plateguard.commands.search import add_target_arguments, call_api_ok

CAMERA_FILE = "camera.json"
CERTIFICATE_FILE = "certificate.pem"
PRIVATE_KEY_FILE = "private.key"
_CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class CameraCommandError(Exception):
    pass


def register(subparsers: Any) -> None:
    cameras = subparsers.add_parser("cameras", help="register, list, retire cameras and rotate their certificates")
    commands = cameras.add_subparsers(dest="cameras_command", metavar="COMMAND", required=True)

    add = commands.add_parser("add", help="register a camera; writes its certificate and key to --out")
    add.add_argument("camera_id", help="the camera's id (letters, digits, -, _)")
    add.add_argument("--name", required=True, help="where it is, e.g. 'Main St & 1st Ave'")
    add.add_argument("--lat", type=float, required=True, help="latitude, -90 to 90")
    add.add_argument("--lon", type=float, required=True, help="longitude, -180 to 180")
    add.add_argument("--heading", type=float, help="direction it faces, degrees 0-360")
    add.add_argument("--district", dest="region", help="patrol district or area (alert subscriptions filter on it)")
    add.add_argument("--out", type=Path, required=True, help="folder for certificate.pem, private.key, camera.json")
    add_target_arguments(add, default_user="admin")
    add.set_defaults(func=run_add)

    listing = commands.add_parser("list", help="your agency's cameras")
    listing.add_argument("--json", action="store_true", help="print the API's JSON response (= --output json)")
    add_target_arguments(listing, default_user="admin")
    listing.set_defaults(func=run_list)

    show = commands.add_parser("show", help="one camera")
    show.add_argument("camera_id", help="the camera's id")
    add_target_arguments(show, default_user="admin")
    show.set_defaults(func=run_show, prints_json=True)

    retire = commands.add_parser("retire", help="retire a camera: its certificates stop working at once")
    retire.add_argument("camera_id", help="the camera's id")
    retire.add_argument("--json", action="store_true", help="print the API's JSON response (= --output json)")
    add_target_arguments(retire, default_user="admin")
    retire.set_defaults(func=run_retire)

    rotate = commands.add_parser("rotate-credentials", help="issue a new certificate; the old ones stop")
    rotate.add_argument("camera_id", help="the camera's id")
    rotate.add_argument("--out", type=Path, required=True, help="folder for the new certificate, key and camera.json")
    add_target_arguments(rotate, default_user="admin")
    rotate.set_defaults(func=run_rotate)

    camera = subparsers.add_parser("camera", help="the camera side: upload frames with a camera's certificate")
    camera_commands = camera.add_subparsers(dest="camera_command", metavar="COMMAND", required=True)
    upload = camera_commands.add_parser("upload", help="get temporary credentials and upload frames")
    upload.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help=".jpg, .jpeg or .png files")
    upload.add_argument("--credentials", type=Path, required=True, help="folder written by `cameras add --out`")
    upload.add_argument("--captured-at", help="ISO 8601 with a time zone (default: now)")
    upload.add_argument("--lat", type=float, help="where the frames were taken (with --lon)")
    upload.add_argument("--lon", type=float, help="where the frames were taken (with --lat)")
    upload.add_argument("--heading", type=float, help="direction the camera faced, degrees 0-360")
    upload.set_defaults(func=run_upload)


# -- admin side --------------------------------------------------------------------------------------


def write_identity(out: Path, credentials: dict[str, Any]) -> None:
    """certificate.pem, private.key (0600 from the start: never readable by others) and camera.json."""
    out.mkdir(parents=True, exist_ok=True)
    (out / CERTIFICATE_FILE).write_text(credentials["certificate_pem"])
    key_path = out / PRIVATE_KEY_FILE
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(credentials["private_key"])
    os.chmod(key_path, 0o600)  # an existing file keeps its old mode through O_CREAT
    config = {k: v for k, v in credentials.items() if k not in ("certificate_pem", "private_key")}
    (out / CAMERA_FILE).write_text(json.dumps(config, indent=2) + "\n")


def run_add(args: argparse.Namespace) -> int:
    if args.lat is not None and not (-90 <= args.lat <= 90 and -180 <= args.lon <= 180):
        print("error: --lat must be in [-90, 90] and --lon in [-180, 180]", file=sys.stderr)
        return 2
    payload = {"camera_id": args.camera_id, "name": args.name, "lat": args.lat, "lon": args.lon}
    payload |= {k: v for k, v in (("heading", args.heading), ("region", args.region)) if v is not None}
    body, code = call_api_ok(args, "POST", "/cameras", body=payload)
    if body is None:
        return code
    write_identity(args.out, body["credentials"])
    camera = body["camera"]
    print(f"registered {camera['camera_id']} ({camera['name']}) in {camera['agency']}")
    print(f"  certificate {camera['certificate_id']}; identity written to {args.out}/ (private.key is mode 0600)")
    return 0


def _row(camera: dict[str, Any]) -> str:
    heading = "-" if camera.get("heading") is None else f"{camera['heading']:g}"
    return (
        f"{camera['camera_id']:<24} {camera['status']:<8} {camera['region']:<12} "
        f"{camera['lat']:.5f},{camera['lon']:.5f} {heading:>5}  {camera['name']}"
    )


def run_list(args: argparse.Namespace) -> int:
    body, code = call_api_ok(args, "GET", "/cameras")
    if body is None:
        return code
    if args.json:
        print(json.dumps(body, indent=2))
        return 0
    print(f"{'CAMERA':<24} {'STATUS':<8} {'REGION':<12} {'LAT,LON':<21} {'HDG':>5}  NAME")
    for camera in body["cameras"]:
        print(_row(camera))
    return 0


def run_show(args: argparse.Namespace) -> int:
    body, code = call_api_ok(args, "GET", f"/cameras/{args.camera_id}")
    if body is None:
        return code
    print(json.dumps(body, indent=2))
    return 0


def run_retire(args: argparse.Namespace) -> int:
    body, code = call_api_ok(args, "POST", f"/cameras/{args.camera_id}/retire")
    if body is None:
        return code
    if args.json:
        print(json.dumps(body, indent=2))
        return 0
    revoked = ", ".join(body["deactivated_certificates"]) or "none"
    print(f"retired {body['camera_id']}: certificates deactivated: {revoked}; its uploads are now quarantined")
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    body, code = call_api_ok(args, "POST", f"/cameras/{args.camera_id}/credentials")
    if body is None:
        return code
    write_identity(args.out, body["credentials"])
    old = ", ".join(body["deactivated_certificates"]) or "none"
    print(f"rotated {args.camera_id}: new certificate {body['camera']['certificate_id']} written to {args.out}/")
    print(f"  deactivated: {old}")
    return 0


# -- camera side -------------------------------------------------------------------------------------


def load_identity(folder: Path) -> tuple[dict[str, Any], Path, Path]:
    try:
        config = json.loads((folder / CAMERA_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise CameraCommandError(f"cannot read {folder / CAMERA_FILE}: {exc}") from exc
    certificate, key = folder / CERTIFICATE_FILE, folder / PRIVATE_KEY_FILE
    for path in (certificate, key):
        if not path.is_file():
            raise CameraCommandError(f"missing {path}")
    return dict(config), certificate, key


def fetch_credentials(config: dict[str, Any], certificate: Path, key: Path, now: datetime) -> dict[str, str]:
    """Temporary credentials from the IoT credentials provider for this camera's role alias.

    https: the real endpoint, mutual TLS with the certificate and key. http (loopback only): local
    mode's emulator, where a signature with the key proves possession instead of the TLS handshake.
    """
    endpoint = str(config["credentials_endpoint"]).rstrip("/")
    url = f"{endpoint}/role-aliases/{config['role_alias']}/credentials"
    scheme, host = urlsplit(endpoint).scheme, urlsplit(endpoint).hostname
    context: ssl.SSLContext | None = None
    if scheme == "https":
        context = ssl.create_default_context()
        context.load_cert_chain(certfile=str(certificate), keyfile=str(key))
        headers = {"x-amzn-iot-thingname": str(config["thing_name"])}
    elif scheme == "http" and host in _LOOPBACK:
        from plateguard.local.credentials_provider import signed_headers

        headers = signed_headers(
            key.read_text(), str(config["role_alias"]), str(config["thing_name"]), str(config["certificate_id"]), now
        )
    else:
        raise CameraCommandError(f"credentials endpoint must be https (or local mode's loopback http): {endpoint}")
    request = urllib.request.Request(url, headers=headers, method="GET")  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=15, context=context) as response:  # noqa: S310
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")[:300]
        raise CameraCommandError(f"credentials refused ({error.code}): {detail}") from error
    except urllib.error.URLError as error:
        raise CameraCommandError(f"credentials endpoint unreachable: {error.reason}") from error
    return dict(body["credentials"])


def _metadata(args: argparse.Namespace, captured_at: datetime) -> dict[str, str]:
    metadata = {"captured-at": captured_at.isoformat()}
    if (args.lat is None) != (args.lon is None):
        raise CameraCommandError("--lat and --lon go together")
    if args.lat is not None:
        metadata |= {"lat": f"{args.lat}", "lon": f"{args.lon}"}
    if args.heading is not None:
        metadata["heading"] = f"{args.heading}"
    return metadata


def run_upload(args: argparse.Namespace) -> int:
    from plateguard.logic.keys import build_upload_key

    try:
        config, certificate, key = load_identity(args.credentials)
        captured_at = datetime.now(UTC)
        if args.captured_at:
            captured_at = datetime.fromisoformat(args.captured_at.replace("Z", "+00:00"))
            if captured_at.tzinfo is None:
                raise CameraCommandError("--captured-at needs a time zone")
        metadata = _metadata(args, captured_at)
        unknown = [p for p in args.images if p.suffix.lower() not in _CONTENT_TYPES]
        if unknown:
            raise CameraCommandError(f"not a .jpg/.jpeg/.png file: {unknown[0]}")
        credentials = fetch_credentials(config, certificate, key, datetime.now(UTC))
    except (CameraCommandError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import boto3

    s3 = boto3.client(
        "s3",
        region_name=config["region"],
        endpoint_url=config.get("s3_endpoint_url") or None,
        aws_access_key_id=credentials["accessKeyId"],
        aws_secret_access_key=credentials["secretAccessKey"],
        aws_session_token=credentials["sessionToken"],
    )
    for image in args.images:
        ext = image.suffix.lower().lstrip(".")
        object_key = build_upload_key(config["agency"], config["thing_name"], captured_at, str(uuid.uuid4()), ext)
        s3.put_object(
            Bucket=config["bucket"],
            Key=object_key,
            Body=image.read_bytes(),
            ContentType=_CONTENT_TYPES[image.suffix.lower()],
            Metadata=metadata,
        )
        print(f"uploaded {image} -> s3://{config['bucket']}/{object_key}")
    return 0
