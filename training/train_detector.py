"""Train PlateGuard's plate detector: a small fully-convolutional network that maps a photo to a per-pixel
"licence plate here" probability at 1/4 resolution; boxes are its connected components.

usage: python -m training.train_detector --data .train_data/det --out OUT [--minutes 40] [--device cpu]

`--data` is the output of `training.prepare_detections`. CPU by default (2 threads are enough); a GPU is
used with `--device cuda`. Writes OUT/plate_det.onnx (dynamic height/width, multiples of 32) and
OUT/train_log.jsonl. Seeded; wall-clock bounded (`--minutes`), so step counts differ between machines.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

CROP = 320
STRIDE = 4
INFER_SIDE = 640  # the long side the runtime feeds the model; training scales are drawn around it


def conv_bn(cin: int, cout: int, stride: int = 1, k: int = 3, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


def block(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    """Depthwise-separable 3x3 (MobileNet-style): most of the receptive field for little compute."""
    return nn.Sequential(conv_bn(cin, cin, stride, groups=cin), conv_bn(cin, cout, k=1))


class PlateDetNet(nn.Module):
    def __init__(self, width: int = 48) -> None:
        super().__init__()
        self.stem = nn.Sequential(conv_bn(3, 16, 2), conv_bn(16, 16))
        self.c4 = nn.Sequential(block(16, 32, 2), block(32, 32))
        self.c8 = nn.Sequential(block(32, 64, 2), block(64, 64), block(64, 64))
        self.c16 = nn.Sequential(block(64, 96, 2), block(96, 96), block(96, 96), block(96, 96))
        self.c32 = nn.Sequential(block(96, 128, 2), block(128, 128), block(128, 128))
        self.lat = nn.ModuleList(nn.Conv2d(c, width, 1) for c in (32, 64, 96, 128))
        self.head = nn.Sequential(conv_bn(width, width), conv_bn(width, 32), nn.Conv2d(32, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f4 = self.c4(self.stem(x))
        f8 = self.c8(f4)
        f16 = self.c16(f8)
        f32 = self.c32(f16)
        p = self.lat[3](f32)
        for lat, f in ((self.lat[2], f16), (self.lat[1], f8), (self.lat[0], f4)):
            p = lat(f) + F.interpolate(p, size=f.shape[-2:], mode="nearest")
        return self.head(p)  # logits at stride 4


class Exported(nn.Module):
    """ONNX wrapper: BGR uint8-range float input (N, 3, H, W) -> probability (N, 1, H/4, W/4)."""

    def __init__(self, net: PlateDetNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(x / 127.5 - 1.0))


class Sampler:
    def __init__(self, data: Path, seed: int) -> None:
        manifest = json.loads((data / "manifest.json").read_text())
        self.rng = np.random.default_rng(seed)
        self.images: list[np.ndarray] = []
        self.boxes: list[np.ndarray] = []
        for rec in manifest["images"]:
            img = cv2.imread(str(data / "images" / rec["file"]))
            s = min(1.0, 800 / max(img.shape[:2]))
            if s < 1:
                img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
            self.images.append(img)
            self.boxes.append(np.array(rec["boxes"], np.float32) * s)
        self.paste: list[np.ndarray] = [p for p in (cv2.imread(f) for f in manifest["paste"]) if p is not None]

    def _paste(self, crop: np.ndarray, boxes: list[list[float]]) -> None:
        plate = self.paste[self.rng.integers(len(self.paste))]
        w = int(self.rng.uniform(22, 150))
        h = max(8, int(w * plate.shape[0] / plate.shape[1] * self.rng.uniform(0.85, 1.15)))
        x, y = int(self.rng.integers(0, CROP - w)), int(self.rng.integers(0, CROP - h))
        if any(x < b[2] and b[0] < x + w and y < b[3] and b[1] < y + h for b in boxes):
            return
        src = np.float32([[0, 0], [plate.shape[1], 0], [plate.shape[1], plate.shape[0]], [0, plate.shape[0]]])
        jit = self.rng.uniform(-0.08, 0.08, (4, 2)) * [w, h]
        dst = (np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]]) + jit).astype(np.float32)
        m = cv2.getPerspectiveTransform(src, dst)
        warped = cv2.warpPerspective(plate, m, (CROP, CROP), flags=cv2.INTER_AREA)
        mask = cv2.warpPerspective(np.full(plate.shape[:2], 255, np.uint8), m, (CROP, CROP)) > 127
        crop[mask] = warped[mask]
        boxes.append([float(dst[:, 0].min()), float(dst[:, 1].min()), float(dst[:, 0].max()), float(dst[:, 1].max())])

    def sample(self) -> tuple[np.ndarray, np.ndarray]:
        rng = self.rng
        i = int(rng.integers(len(self.images)))
        img, boxes = self.images[i], self.boxes[i]
        # Scale so the photo's long side is what inference sees (640), with jitter; sometimes zoom in.
        side = INFER_SIDE * (rng.uniform(0.55, 1.35) if rng.random() < 0.8 else rng.uniform(1.35, 2.5))
        s = side / max(img.shape[:2])
        img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        b = boxes * s
        h, w = img.shape[:2]
        if rng.random() < 0.75 and len(b):
            t = b[rng.integers(len(b))]
            cx, cy = rng.uniform(t[0], t[2]), rng.uniform(t[1], t[3])
            x0, y0 = int(cx - rng.uniform(0.1, 0.9) * CROP), int(cy - rng.uniform(0.1, 0.9) * CROP)
        else:
            x0, y0 = (
                int(rng.integers(min(0, w - CROP), max(1, w - CROP + 1))),
                int(rng.integers(min(0, h - CROP), max(1, h - CROP + 1))),
            )
        # Keep the crop inside the photo where the photo is big enough (padding teaches nothing).
        x0 = int(np.clip(x0, min(0, w - CROP), max(0, w - CROP)))
        y0 = int(np.clip(y0, min(0, h - CROP), max(0, h - CROP)))
        crop = np.full((CROP, CROP, 3), 114, np.uint8)
        sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(w, x0 + CROP), min(h, y0 + CROP)
        if sx1 > sx0 and sy1 > sy0:
            crop[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = img[sy0:sy1, sx0:sx1]
        out_boxes = [[bx[0] - x0, bx[1] - y0, bx[2] - x0, bx[3] - y0] for bx in b.tolist()]
        if self.paste and rng.random() < 0.4:
            for _ in range(int(rng.integers(1, 3))):
                self._paste(crop, out_boxes)
        if rng.random() < 0.5:
            crop = crop[:, ::-1].copy()
            out_boxes = [[CROP - bx[2], bx[1], CROP - bx[0], bx[3]] for bx in out_boxes]
        crop = self._photometric(crop)
        target = np.zeros((CROP // STRIDE, CROP // STRIDE), np.float32)
        for bx in out_boxes:
            # Boxes cut by the crop edge are kept (the visible part is still plate).
            x_a, y_a = max(0.0, bx[0] / STRIDE), max(0.0, bx[1] / STRIDE)
            x_b, y_b = min(CROP / STRIDE, bx[2] / STRIDE), min(CROP / STRIDE, bx[3] / STRIDE)
            if x_b - x_a < 0.5 or y_b - y_a < 0.5:
                continue
            # Cells whose centre lies inside the box (floor/ceil would grow small plates by up to 2 cells).
            xi0, yi0 = math.floor(x_a + 0.5), math.floor(y_a + 0.5)
            xi1, yi1 = max(xi0 + 1, math.floor(x_b + 0.5)), max(yi0 + 1, math.floor(y_b + 0.5))
            target[yi0:yi1, xi0:xi1] = 1.0
        return crop, target

    def _photometric(self, crop: np.ndarray) -> np.ndarray:
        rng = self.rng
        out = crop.astype(np.float32)
        out = out * rng.uniform(0.6, 1.4) + rng.uniform(-40, 40)
        if rng.random() < 0.2:
            out[:] = out.mean(axis=2, keepdims=True)
        if rng.random() < 0.3:
            out = out * rng.uniform(0.85, 1.15, (1, 1, 3))
        if rng.random() < 0.25:
            out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 1.6))
        if rng.random() < 0.3:
            out = out + rng.normal(0, rng.uniform(2, 10), out.shape)
        out = np.clip(out, 0, 255).astype(np.uint8)
        if rng.random() < 0.3:
            _ok, enc = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 90))])
            out = cv2.imdecode(enc, cv2.IMREAD_COLOR)
        return out

    def batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        xs, ys = zip(*(self.sample() for _ in range(n)), strict=True)
        x = torch.from_numpy(np.stack(xs)).permute(0, 3, 1, 2).float() / 127.5 - 1.0
        return x, torch.from_numpy(np.stack(ys))[:, None]


def loss_fn(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    bce = F.binary_cross_entropy_with_logits(logits, target, pos_weight=torch.tensor(1.5, device=logits.device))
    prob = torch.sigmoid(logits)
    inter = (prob * target).sum()
    dice = 1 - (2 * inter + 1) / (prob.sum() + target.sum() + 1)
    return bce + dice


def export(net: PlateDetNet, path: Path) -> None:
    net = net.cpu().eval()
    wrapper = Exported(net)
    dummy = torch.zeros(1, 3, 384, 640)
    torch.onnx.export(
        wrapper,
        (dummy,),
        str(path),
        input_names=["image"],
        output_names=["plate_prob"],
        dynamic_axes={"image": {2: "h", 3: "w"}, "plate_prob": {2: "h4", 3: "w4"}},
        opset_version=17,
        dynamo=False,
    )
    import onnx

    model = onnx.load(str(path))
    for key, value in {"stride": str(STRIDE), "input": "BGR 0-255, NCHW float32, H and W multiples of 32"}.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(path))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--minutes", type=float, default=40.0)
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", type=Path, help="start from these weights (a plate_det.pt of an earlier run)")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    sampler = Sampler(args.data, args.seed)
    net = PlateDetNet()
    if args.init:
        net.load_state_dict(torch.load(args.init, map_location="cpu"))
    net = net.to(args.device)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    budget = args.minutes * 60
    start = time.time()
    step = 0
    log = (args.out / "train_log.jsonl").open("w")
    running = 0.0
    while (elapsed := time.time() - start) < budget:
        frac = elapsed / budget
        lr = args.lr * (min(1.0, (step + 1) / 200) * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = sampler.batch(args.batch)
        loss = loss_fn(net(x.to(args.device)), y.to(args.device))
        opt.zero_grad()
        loss.backward()
        opt.step()
        running = 0.98 * running + 0.02 * loss.item() if step else loss.item()
        step += 1
        if step % 50 == 0:
            rec = {"step": step, "minutes": round(elapsed / 60, 2), "loss": round(running, 4), "lr": round(lr, 6)}
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(json.dumps(rec), flush=True)
        if step % 1000 == 0:
            torch.save(net.state_dict(), args.out / "plate_det.pt")
    torch.save(net.state_dict(), args.out / "plate_det.pt")
    export(net, args.out / "plate_det.onnx")
    print(json.dumps({"done": True, "steps": step, "samples": step * args.batch}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
