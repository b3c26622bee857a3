"""The HR response model's mixed-model maths: EM fit, BLUPs and recency-weighted sums.

Pure NumPy on design matrices from :mod:`coachkit.models.response_features`; used by
:class:`~coachkit.models.response.HrResponseModel` (population fit and individual layer) and by
:func:`~coachkit.models.response_eval.individual_only`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def weighted_prefix_sums(
    day_h: np.ndarray, values: np.ndarray, day_q: np.ndarray, half_life: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """For each query day, Σ wᵢ·valuesᵢ over history days strictly before it, and the count.

    ``wᵢ = 2^(−(day_q − dayᵢ)/half_life)`` (1 without a half-life), from cumulative sums of the
    time-ordered history: one pass, whatever the number of queries.
    """
    order = np.argsort(day_h, kind="stable")
    d = day_h[order]
    e = np.ones(len(d)) if half_life is None or len(d) == 0 else np.exp2((d - d[-1]) / half_life)
    v = values[order] * e.reshape((-1,) + (1,) * (values.ndim - 1))
    cum = np.concatenate([np.zeros((1,) + values.shape[1:]), np.cumsum(v, axis=0)])
    idx = np.searchsorted(d, day_q, side="left")
    scale = np.ones(len(day_q))
    if half_life is not None and len(d):
        scale = np.where(
            idx > 0, np.exp2(-(np.nan_to_num(day_q, nan=d[-1]) - d[-1]) / half_life), 0
        )
    return cum[idx] * scale.reshape((-1,) + (1,) * (values.ndim - 1)), idx


def blup(g: np.ndarray, s2: float, zz: np.ndarray, zr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and covariance of random effects, stacked: ``(G·S + σ²I)⁻¹ G·s`` and
    ``σ² (G·S + σ²I)⁻¹ G`` (no inverse of G, so a singular G is fine)."""
    a = g[None] @ zz + s2 * np.eye(len(g))[None]
    u = np.linalg.solve(a, g[None] @ zr[:, :, None])[..., 0]
    return u, s2 * np.linalg.solve(a, np.broadcast_to(g, a.shape))


def em_fit(
    x: np.ndarray, z: np.ndarray, y: np.ndarray, groups: np.ndarray, *, max_iter: int = 5000
) -> tuple[np.ndarray, np.ndarray, float, bool]:
    """Maximum-likelihood linear mixed model by EM (Laird & Ware 1982, Biometrics 38:963).

    ``y = Xβ + Z·u_athlete + ε``, ``u ~ N(0, G)``, ``ε ~ N(0, σ²)``. Each step is closed-form
    on per-athlete cross-products, and the likelihood never decreases: unlike a gradient
    optimiser it cannot fail on a variance near zero (it only slows). Returns β, G, σ² and
    whether the largest relative change fell below 1e-7.
    """
    codes = pd.factorize(groups)[0]

    def per(v: np.ndarray) -> np.ndarray:
        out = np.zeros((codes.max() + 1,) + v.shape[1:])
        np.add.at(out, codes, v)
        return out

    xx, xz = per(x[:, :, None] * x[:, None, :]), per(x[:, :, None] * z[:, None, :])
    zz, xy, zy, yy = (
        per(z[:, :, None] * z[:, None, :]),
        per(x * y[:, None]),
        per(z * y[:, None]),
        per(y * y),
    )
    beta = np.linalg.solve(xx.sum(0), xy.sum(0))
    s2 = float(np.mean((y - x @ beta) ** 2))
    g = 0.5 * s2 * np.diag(1.0 / np.mean(z * z, axis=0))
    for _ in range(max_iter):
        u, v = blup(g, s2, zz, zy - np.einsum("apq,p->aq", xz, beta))
        new_beta = np.linalg.solve(xx.sum(0), (xy - np.einsum("apq,aq->ap", xz, u)).sum(0))
        zr = zy - np.einsum("apq,p->aq", xz, new_beta)
        rr = yy - 2 * xy @ new_beta + np.einsum("p,apq,q->a", new_beta, xx, new_beta)
        uu = u[:, :, None] * u[:, None, :] + v
        new_s2 = float(
            (rr - 2 * np.einsum("aq,aq->a", u, zr) + np.einsum("apq,aqp->a", zz, uu)).sum() / len(y)
        )
        new_g = uu.mean(0)
        change = max(
            np.max(np.abs(new_beta - beta) / (1 + np.abs(beta))),
            abs(new_s2 - s2) / s2,
            np.max(np.abs(new_g - g)) / max(np.max(np.abs(g)), 1e-12),
        )
        beta, s2, g = new_beta, new_s2, new_g
        if change < 1e-7:
            return beta, g, s2, True
    return beta, g, s2, False
