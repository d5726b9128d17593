"""Keep the photo's colours (Gatys et al. 2017, "Controlling perceptual factors").

Two ways, as in the paper: transfer style on luminance only and put the photo's chroma back
(faithful colours, any style), or recolour the style image to the photo's colour statistics
before transfer (the style's brush work keeps some of its colour variety).
All functions take and return float32 RGB arrays in 0..255.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]

# RGB <-> YIQ (NTSC); Y is the luma the style is transferred on.
_RGB_TO_YIQ = np.array(
    [[0.299, 0.587, 0.114], [0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]],
    dtype=np.float64,
)
_YIQ_TO_RGB = np.linalg.inv(_RGB_TO_YIQ)


def to_yiq(rgb: F32) -> F32:
    out: F32 = (rgb.astype(np.float64) @ _RGB_TO_YIQ.T).astype(np.float32)
    return out


def from_yiq(yiq: F32) -> F32:
    out: F32 = (yiq.astype(np.float64) @ _YIQ_TO_RGB.T).astype(np.float32)
    return out


def luminance_rgb(rgb: F32) -> F32:
    """The luma replicated to three channels, the form VGG takes."""
    y = to_yiq(rgb)[..., :1]
    return np.repeat(y, 3, axis=-1)


def match_luminance(style_gray: F32, content_gray: F32) -> F32:
    """Shift and scale the style's luma to the photo's mean and spread, so tone is the photo's."""
    s_mean, s_std = float(style_gray.mean()), float(style_gray.std())
    c_mean, c_std = float(content_gray.mean()), float(content_gray.std())
    scaled = (style_gray - s_mean) * (c_std / max(s_std, 1e-3)) + c_mean
    out: F32 = np.clip(scaled, 0.0, 255.0).astype(np.float32)
    return out


def with_chroma_of(luma_rgb: F32, colour_source: F32) -> F32:
    """Combine a stylised luma with the photo's chroma (both HxWx3, same size)."""
    yiq = to_yiq(colour_source)
    yiq[..., 0] = luma_rgb.mean(axis=-1)
    out: F32 = np.clip(from_yiq(yiq), 0.0, 255.0).astype(np.float32)
    return out


def match_colour_statistics(source: F32, reference: F32) -> F32:
    """Affinely recolour ``source`` so its RGB mean and covariance equal ``reference``'s.

    Uses symmetric matrix square roots (the "image analogies" variant of the paper), which
    keeps hues from rotating the way a Cholesky factor can.
    """
    src = source.reshape(-1, 3).astype(np.float64)
    ref = reference.reshape(-1, 3).astype(np.float64)
    mu_s, mu_r = src.mean(axis=0), ref.mean(axis=0)
    cov_s = np.cov(src, rowvar=False) + np.eye(3) * 1e-3
    cov_r = np.cov(ref, rowvar=False) + np.eye(3) * 1e-3
    transform = _sqrtm(cov_r) @ np.linalg.inv(_sqrtm(cov_s))
    out = (src - mu_s) @ transform.T + mu_r
    result: F32 = np.clip(out, 0.0, 255.0).reshape(source.shape).astype(np.float32)
    return result


def colour_noise(reference: F32, shape: tuple[int, int], rng: np.random.Generator) -> F32:
    """Noise with ``reference``'s colour mean and covariance: a start image in the style's palette."""
    ref = reference.reshape(-1, 3).astype(np.float64)
    mu = ref.mean(axis=0)
    cov = np.cov(ref, rowvar=False) + np.eye(3) * 1e-3
    z = rng.standard_normal((shape[0] * shape[1], 3))
    out = z @ _sqrtm(cov).T + mu
    result: F32 = np.clip(out, 0.0, 255.0).reshape(shape[0], shape[1], 3).astype(np.float32)
    return result


def _sqrtm(matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    values, vectors = np.linalg.eigh(matrix)
    result: npt.NDArray[np.float64] = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    return result
