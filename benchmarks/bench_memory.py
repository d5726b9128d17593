"""Peak memory of a real ``stylize()`` run at 256, 512 and 1024 px.

Each size runs in a fresh Python process; the parent reads that child's own resource usage
with ``os.wait4`` (``ru_maxrss``: the resident-set high-water mark, which on Linux also
counts what the child's own PyTorch allocator freed again). A baseline child does everything
but the run (imports, weights, the model, the images), and the table reports
``peak - baseline``: what the run itself adds. The run is a real one with default settings
(coarse-to-fine levels chosen from the size) but few steps, ``levels + 2``, because memory
does not grow with the step count: every step at a level needs the same tensors.

On CUDA (``--device cuda``) the child also reports ``torch.cuda.max_memory_allocated``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Any

from common import IMAGES, PAIRS, command, machine, save

CONTENT, STYLE = PAIRS[0]


def child(size: int, device: str) -> dict[str, Any]:
    """Runs in the subprocess: size 0 is the baseline (everything but the run)."""
    import numpy as np
    import torch
    from PIL import Image

    from nst_desktop.engine import Settings, StyleImage
    from nst_desktop.engine.run import stylize, warm_up
    from nst_desktop.engine.schedule import plan

    warm_up(device)
    content = np.asarray(Image.open(IMAGES / CONTENT).convert("RGB"))
    style = np.asarray(Image.open(IMAGES / STYLE).convert("RGB"))
    out: dict[str, Any] = {"size": size}
    if size:
        levels = plan(content.shape[1], content.shape[0], size, 1000, 0)
        steps = len(levels) + 2
        settings = Settings(size=size, steps=steps, seed=0, device=device)  # type: ignore[arg-type]
        result = stylize(content, [StyleImage(style)], settings)
        out |= {"levels": len(levels), "steps": steps, "output": list(result.size), "seconds": result.seconds}
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        out["cuda_max_allocated_mib"] = torch.cuda.max_memory_allocated() / 2**20
    return out


def measure(size: int, device: str) -> dict[str, Any]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", str(size), "--device", device],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    text = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"child for size {size} failed ({proc.returncode})")
    row = json.loads(text.strip().splitlines()[-1])
    row["maxrss_mib"] = usage.ru_maxrss / 1024  # Linux: KiB
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke check: 128 px only")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[256, 512, 1024])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=1, help="children per size (the max is kept)")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child, args.device)))
        return 0
    if args.quick:
        args.sizes = [128]
    info = {"machine": machine(), "command": command(), "args": vars(args)}
    print(f"{info['machine']['cpu']}, {info['machine']['cores']} cores, torch {info['machine']['torch']}")
    baseline = max((measure(0, args.device) for _ in range(args.repeats)), key=lambda r: r["maxrss_mib"])
    print(f"  baseline (imports, weights, model, images): {baseline['maxrss_mib']:.0f} MiB")
    rows = []
    for size in args.sizes:
        row = max((measure(size, args.device) for _ in range(args.repeats)), key=lambda r: r["maxrss_mib"])
        row["run_mib"] = row["maxrss_mib"] - baseline["maxrss_mib"]
        if "cuda_max_allocated_mib" in row:
            row["cuda_run_mib"] = row["cuda_max_allocated_mib"] - baseline.get("cuda_max_allocated_mib", 0)
        rows.append(row)
        cuda = row.get("cuda_max_allocated_mib")
        extra = f", CUDA max allocated {cuda:.0f} MiB" if cuda is not None else ""
        print(
            f"  {row['output'][0]}x{row['output'][1]} ({row['levels']} levels, {row['steps']} steps):"
            f" peak RSS {row['maxrss_mib']:.0f} MiB, run adds {row['run_mib']:.0f} MiB{extra}",
            flush=True,
        )
    save(
        "memory" + ("_quick" if args.quick else "") + ("" if args.device == "cpu" else f"_{args.device}"),
        {**info, "baseline": baseline, "rows": rows},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
