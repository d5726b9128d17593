"""Keep the photo's colours (Gatys et al. 2017, "Controlling perceptual factors").

Two ways, as in the paper: transfer style on luminance only and put the photo's chroma back
(faithful colours, any style), or recolour the style image to the photo's colour statistics
before transfer (the style's brush work keeps some of its colour variety).

And keep a grey painting grey (:func:`result_chroma_limit`, :func:`limit_chroma`): nothing in
the optimiser's Gram targets or in the instant and fast networks holds a picture's colour to
the painting's when the painting has none, so a grey painting would come out tinted.
All functions take and return float32 RGB arrays in 0..255 unless they say otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

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


#: BT.601 luma weights (the Y of YIQ and of JPEG's YCbCr alike).
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
#: Full-range BT.601 Cb and Cr scale B - Y and R - Y by these.
_CB, _CR = 0.564, 0.713
#: Pixels a chroma level is measured on: a regular sample of a larger image will do.
_LEVEL_PIXELS = 256 * 256
#: The chroma level (see :func:`chroma_level`) from which a painting counts as colourful and its
#: pictures' colours are left alone. The shared paintings measure 48 to 105, the grey or nearly
#: grey ones (brush marks, swirl, rough canvas) 0 to 1.3, a muted photo (path.jpg) 30.
COLOURFUL = 24.0


def chroma(rgb: npt.NDArray[np.float32] | npt.NDArray[np.uint8]) -> F32:
    """Each pixel's chroma, ``hypot(Cb - 128, Cr - 128)`` in full-range BT.601 YCbCr (JPEG's),
    in the units of ``rgb`` (for 0..255: 0 is grey, pure red about 135)."""
    x = rgb.astype(np.float32)
    y = x @ _LUMA
    out: F32 = np.hypot(_CB * (x[..., 2] - y), _CR * (x[..., 0] - y)).astype(np.float32)
    return out


def chroma_level(images: Sequence[npt.NDArray[np.float32] | npt.NDArray[np.uint8]]) -> float:
    """How colourful the most colourful of ``images`` (0..255) is: its 99th percentile of chroma.

    A percentile rather than the maximum, so a signature or a few JPEG-fringed pixels do not
    make a grey painting colourful.
    """
    level = 0.0
    for image in images:
        h, w = image.shape[:2]
        step = max(1, int((h * w / _LEVEL_PIXELS) ** 0.5))
        level = max(level, float(np.percentile(chroma(image[::step, ::step]), 99)))
    return level


def chroma_limit(level: float) -> float | None:
    """The chroma a picture may carry when its paintings' chroma level is ``level``; None: any.

    About the level itself for nearly grey paintings (a grey one allows none), rising steeply
    towards :data:`COLOURFUL` (``level / (1 - level / COLOURFUL)``: 4 allows 4.8, 12 allows 24,
    20 allows 120), so no painting's picture jumps from limited to free at a threshold.
    """
    if level >= COLOURFUL:
        return None
    return level / (1.0 - level / COLOURFUL)


def result_chroma_limit(
    paintings: Sequence[npt.NDArray[np.float32] | npt.NDArray[np.uint8]],
    photo: npt.NDArray[np.float32] | npt.NDArray[np.uint8],
    keep_colors: str,
    fade: float = 1.0,
) -> float | None:
    """The one rule every way of painting applies to its picture (:func:`limit_chroma`).

    The colours a picture is meant to have come from the paintings, or with keep colours
    "histogram" from the photo (the paintings are recoloured to it); "luminance" puts the
    photo's own chroma back, so it needs no limit. ``fade`` is for a painter whose strength
    acts inside the painting (the instant network mixes the photo's own style in): below 1
    the photo's level counts in proportion, as a fade would bring its colours back. Painters
    that fade their finished picture against the photo pass 1 and limit before fading.
    """
    if keep_colors == "luminance":
        return None
    photo_level = chroma_level([photo])
    level = photo_level if keep_colors == "histogram" else chroma_level(paintings)
    share = min(1.0, max(0.0, float(fade)))
    return chroma_limit(share * level + (1.0 - share) * photo_level)


def limit_chroma(rgb: F32, limit: float | None) -> F32:
    """``rgb`` with each pixel's chroma at most ``limit`` (in ``rgb``'s units), luma and hue kept.

    Scaling a pixel's difference from its own grey (its luma in all three channels) scales its
    Cb and Cr alike and keeps its luma; the result lies between the pixel and that grey, so it
    stays in range. None returns ``rgb`` itself.
    """
    if limit is None:
        return rgb
    y = (rgb @ _LUMA)[..., None]
    diff = rgb - y
    c = np.hypot(_CB * diff[..., 2], _CR * diff[..., 0])[..., None]
    scale = np.minimum(np.float32(1.0), np.float32(limit) / np.maximum(c, np.float32(1e-6)))
    out: F32 = (y + diff * scale).astype(np.float32)
    return out


def _sqrtm(matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    values, vectors = np.linalg.eigh(matrix)
    result: npt.NDArray[np.float64] = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    return result
