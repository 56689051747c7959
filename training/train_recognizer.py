"""Train the plate-text recognizer (small CRNN + CTC) and export it to ONNX.

usage: python -m training.train_recognizer --crops .train_data/crops --fonts .train_data/fonts \
           --out OUT_DIR [--minutes 7] [--device cuda|cpu]

Data: synthetic plate lines (training/synth_plates.py, fonts from Debian packages) mixed with real line
crops made by training/prepare_crops.py (train split only; the validation split is scored at the end,
next to the PP-OCRv6 reading of the same crops). CPU works (slowly); a GPU takes minutes.
Writes OUT_DIR/plate_rec.onnx and OUT_DIR/metrics.json.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from training.synth_plates import DIGITS, LETTERS, PlateLineRenderer, degrade

ALPHABET = DIGITS + LETTERS  # class i + 1; 0 is the CTC blank
H, W = 48, 192


def to_input(img: np.ndarray) -> np.ndarray:
    """BGR crop -> normalized CHW float32 48x192, aspect kept, right-padded (same as inference)."""
    h, w = img.shape[:2]
    nw = min(W, max(8, round(H * w / max(h, 1))))
    out = np.zeros((3, H, W), np.float32)
    out[:, :, :nw] = (cv2.resize(img, (nw, H)).astype(np.float32) * (2 / 255) - 1).transpose(2, 0, 1)
    return out


class CRNN(nn.Module):
    def __init__(self, n_classes: int = len(ALPHABET) + 1) -> None:
        super().__init__()

        def block(cin: int, cout: int, k: tuple[int, int] = (3, 3), p: tuple[int, int] = (1, 1)) -> list:
            return [nn.Conv2d(cin, cout, k, padding=p, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

        self.features = nn.Sequential(
            *block(3, 32),
            nn.MaxPool2d(2),  # 24x96
            *block(32, 64),
            nn.MaxPool2d(2),  # 12x48
            *block(64, 128),
            *block(128, 128),
            nn.MaxPool2d((2, 1)),  # 6x48
            *block(128, 192),
            *block(192, 192),
            nn.MaxPool2d((2, 1)),  # 3x48
            *block(192, 256, (3, 1), (0, 0)),  # 1x48
            nn.Dropout(0.1),
        )
        self.rnn = nn.LSTM(256, 128, bidirectional=True, batch_first=True)
        self.head = nn.Linear(256, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(x).squeeze(2).transpose(1, 2)  # N, T, C
        f, _ = self.rnn(f)
        return self.head(f)  # logits N, T, K


def augment_real(img: np.ndarray, rng: random.Random, degrade_p: float = 0.5) -> np.ndarray:
    if rng.random() < 0.5:  # small crop/pad jitter
        dx0, dx1 = rng.randint(-4, 4), rng.randint(-4, 4)
        dy0, dy1 = rng.randint(-3, 3), rng.randint(-3, 3)
        img = cv2.copyMakeBorder(img, max(0, -dy0), max(0, -dy1), max(0, -dx0), max(0, -dx1), cv2.BORDER_REPLICATE)
        img = img[max(0, dy0) : img.shape[0] - max(0, dy1), max(0, dx0) : img.shape[1] - max(0, dx1)]
    if rng.random() < degrade_p:
        img = degrade(img, rng)
    return img


class Mixed(IterableDataset):
    def __init__(
        self, fonts: Path, real: list[tuple[np.ndarray, str]], real_frac: float, real_degrade: float = 0.5
    ) -> None:
        self.fonts, self.real, self.real_frac, self.real_degrade = fonts, real, real_frac, real_degrade

    def __iter__(self):
        info = get_worker_info()
        rng = random.Random((info.id if info else 0) * 7919 + int(time.time()))
        renderer = PlateLineRenderer(self.fonts)
        while True:
            if self.real and rng.random() < self.real_frac:
                img, label = rng.choice(self.real)
                img = augment_real(img, rng, self.real_degrade)
            else:
                img, label = renderer.render(rng)
            yield to_input(img), label


def collate(batch):
    xs = torch.from_numpy(np.stack([b[0] for b in batch]))
    labels = [b[1] for b in batch]
    targets = torch.tensor([ALPHABET.index(c) + 1 for s in labels for c in s], dtype=torch.long)
    lengths = torch.tensor([len(s) for s in labels], dtype=torch.long)
    return xs, targets, lengths, labels


def greedy(probs: np.ndarray) -> tuple[str, list[float]]:
    best = probs.argmax(1)
    out, conf, prev = [], [], 0
    for t, c in enumerate(best):
        if c and c != prev:
            out.append(ALPHABET[c - 1])
            conf.append(float(probs[t, c]))
        prev = c
    return "".join(out), conf


class Exported(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x).softmax(-1)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--crops", type=Path, required=True)
    ap.add_argument("--fonts", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--minutes", type=float, default=7.0)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--workers", type=int, default=14)
    ap.add_argument("--real-frac", type=float, default=0.35)
    ap.add_argument("--real-degrade", type=float, default=0.5, help="share of real crops degraded (blur, JPEG...)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", type=Path, help="start from these weights (plate_rec.pt of an earlier run)")
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    rows = [json.loads(line) for line in (args.crops / "manifest.jsonl").read_text().splitlines()]
    train = [(cv2.imread(str(args.crops / r["file"])), r["label"]) for r in rows if r["split"] == "train"]
    val_rows = [r for r in rows if r["split"] == "val"]
    print(f"real train crops {len(train)}, val crops {len(val_rows)}", flush=True)

    model = CRNN()
    if args.init:
        model.load_state_dict(torch.load(args.init, map_location="cpu"))
    model = model.to(args.device)
    print(f"params {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M", flush=True)
    loader = DataLoader(
        Mixed(args.fonts, train, args.real_frac, args.real_degrade),
        batch_size=args.batch,
        num_workers=args.workers,
        collate_fn=collate,
        persistent_workers=args.workers > 0,
        prefetch_factor=4 if args.workers else None,
    )
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    budget = args.minutes * 60
    t0 = time.time()
    step = 0
    model.train()
    for xs, targets, lengths, _ in loader:
        elapsed = time.time() - t0
        if elapsed > budget:
            break
        frac = elapsed / budget  # time-based cosine schedule with warm-up
        lr = args.lr * min(1.0, step / 300) * 0.5 * (1 + np.cos(np.pi * frac))
        for g in opt.param_groups:
            g["lr"] = lr
        xs = xs.to(args.device, non_blocking=True)
        logp = model(xs).log_softmax(-1).transpose(0, 1)  # T, N, K
        in_len = torch.full((xs.shape[0],), logp.shape[0], dtype=torch.long)
        loss = ctc(logp.float(), targets, in_len, lengths)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        if step % 200 == 0:
            print(f"step {step} t={elapsed:.0f}s loss={loss.item():.3f} lr={lr:.2e}", flush=True)
        step += 1

    model.eval().cpu()
    onnx_path = args.out / "plate_rec.onnx"
    torch.onnx.export(
        Exported(model),
        torch.zeros(1, 3, H, W),
        str(onnx_path),
        input_names=["x"],
        output_names=["probs"],
        dynamic_axes={"x": {0: "n"}, "probs": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    import onnx

    m = onnx.load(str(onnx_path))
    meta = m.metadata_props.add()
    meta.key, meta.value = "alphabet", ALPHABET
    meta = m.metadata_props.add()
    meta.key, meta.value = "input", f"BGR 3x{H}x{W}, (x*2/255-1), aspect kept, right-padded with 0"
    onnx.save(m, str(onnx_path))

    # Validation: real crops of the held-out split, this model vs PP-OCRv6 on the very same crops.
    import onnxruntime as ort

    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    results = []
    for r in val_rows:
        img = cv2.imread(str(args.crops / r["file"]))
        probs = sess.run(None, {"x": to_input(img)[None]})[0][0]
        text, conf = greedy(probs)
        results.append({**r, "crnn": text, "crnn_conf": float(np.prod(conf)) if conf else 0.0})
    by_src: dict[str, dict[str, float]] = {}
    for src in sorted({r["source"] for r in results}):
        rs = [r for r in results if r["source"] == src]
        by_src[src] = {
            "n": len(rs),
            "crnn_raw": sum(r["crnn"] == r["label"] for r in rs) / len(rs),
            "ppocr": sum(r["ppocr"] == r["label"] for r in rs) / len(rs),
        }
    metrics = {
        "steps": step,
        "minutes": args.minutes,
        "batch": args.batch,
        "val": by_src,
        "onnx_bytes": onnx_path.stat().st_size,
    }
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    (args.out / "val_readings.jsonl").write_text("\n".join(json.dumps(r) for r in results))
    torch.save(model.state_dict(), args.out / "plate_rec.pt")
    print(json.dumps(metrics, indent=2), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
