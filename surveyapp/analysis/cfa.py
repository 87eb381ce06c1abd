"""Confirmatory factor analysis by maximum likelihood, one group or several, as R lavaan computes it.

Each factor is a subscale and its items are the indicators. The estimates and fit
statistics follow ``lavaan::cfa(model, data, group=, group.equal=)`` with its
defaults, so a researcher who checks in R gets the same numbers
(tests/analysis/test_cfa_lavaan.py compares them with stored lavaan output):

* maximum likelihood on complete cases, with the sample covariance matrix divided
  by N (not N - 1) and chi-square = sum over groups of N_g times the fit function;
* each factor's first (marker) loading fixed to 1; factor variances and
  covariances and residual variances free in every group;
* one group: no mean structure. Several groups: a mean structure, with intercepts
  free per group and latent means fixed to 0, unless the intercepts are held
  equal, when the latent means are free in every group but the first;
* CFI and TLI against the independence model (free variances, and free means
  when there is a mean structure, in each group); RMSEA with lavaan's multi-group
  correction sqrt(G) and its 90% interval from the noncentral chi-square; SRMR as
  lavaan's default (Bentler's), mean residuals included when there are means,
  averaged over groups weighted by N_g.

Why our own estimator and not a library's: semopy 2.3 (MIT) was checked first, on
the data of tests/analysis/lavaan_dataset.py. For one group its chi-square agrees
with lavaan's to 1e-5, but its RMSEA uses N - 1 (0.02974 against lavaan's
0.02972), it gives neither SRMR nor the RMSEA interval, and its ``multigroup``
fits each group separately: it has no equality constraints across groups (no
``group.equal``), which is what metric and scalar invariance are. The invariance
tests would have needed most of this module anyway, so one estimator does both,
and pandas and sympy stay out of the runtime. The model is small (a sum of
per-group Gaussian log-likelihoods) with an analytic gradient, minimised by
scipy's L-BFGS-B; everything else is closed form.

BLAS runs on one thread while fitting (threadpoolctl): the matrices are small (one
row and column per item), and a multi-threaded OpenBLAS spends far longer starting
threads than multiplying them, ten times longer on a busy 2-core server.

One deliberate difference from lavaan: variances are bounded below by a tiny
positive number, so an improper solution (a "Heywood case", a negative residual
variance) ends on the boundary instead of going negative; such fits are flagged
``boundary`` and should be read with care.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from .fit_indices import FitStats, GroupData, baseline, cfi, group_data, rmsea, srmr_group, tli

__all__ = ["CfaFit", "FitStats", "GroupData", "fit_cfa", "group_data"]

FloatArray = npt.NDArray[np.float64]
_GRADIENT_TOLERANCE = 1e-6  # of the fit function, whose values are around chi-square / N
_VARIANCE_FLOOR = 1e-6  # relative to the item's variance: keeps Sigma positive definite during the search


@dataclass(frozen=True)
class CfaFit:
    factors: tuple[str, ...]
    items: tuple[str, ...]
    fit: FitStats
    #: per group, item -> standardized loading on its factor (lavaan's std.all)
    std_loadings: tuple[dict[str, float], ...]
    #: per group, item -> unstandardized loading (the marker's is 1)
    loadings: tuple[dict[str, float], ...]
    #: per group, item -> intercept (empty without a mean structure)
    intercepts: tuple[dict[str, float], ...]
    #: per group, factor -> latent mean (0 where fixed)
    latent_means: tuple[dict[str, float], ...]
    converged: bool
    boundary: bool  # a variance ended on its lower bound: an improper solution
    #: per group, the estimated (loadings, factor covariances, residual variances, intercepts, latent means):
    #: starting values for a nested model (``fit_cfa(start_from=...)``)
    estimates: tuple[tuple[FloatArray, ...], ...] = field(default=(), repr=False, compare=False)


class _Model:
    """Where each free parameter sits in each group's matrices; shared indices make equality constraints."""

    def __init__(
        self,
        structure: Sequence[Sequence[int]],
        p: int,
        n_groups: int,
        meanstructure: bool,
        equal: frozenset[str],
        free_intercepts: frozenset[int],
    ) -> None:
        m = len(structure)
        self.p, self.m, self.n_groups, self.meanstructure = p, m, n_groups, meanstructure
        self.count = 0
        self.lam_fixed = np.zeros((p, m))
        self.lam_idx = np.full((n_groups, p, m), -1)
        self.phi_idx = np.full((n_groups, m, m), -1)
        self.theta_idx = np.full((n_groups, p), -1)
        self.nu_idx = np.full((n_groups, p), -1)
        self.alpha_idx = np.full((n_groups, m), -1)
        shared_lam: dict[tuple[int, int], int] = {}
        shared_nu: dict[int, int] = {}
        equal_intercepts = meanstructure and "intercepts" in equal
        for g in range(n_groups):
            for f, items in enumerate(structure):
                self.lam_fixed[items[0], f] = 1.0
                for i in items[1:]:
                    if "loadings" in equal:
                        if (i, f) not in shared_lam:
                            shared_lam[(i, f)] = self._new()
                        self.lam_idx[g, i, f] = shared_lam[(i, f)]
                    else:
                        self.lam_idx[g, i, f] = self._new()
            for a in range(m):
                for b in range(a + 1):
                    self.phi_idx[g, a, b] = self.phi_idx[g, b, a] = self._new()
            for i in range(p):
                self.theta_idx[g, i] = self._new()
            if meanstructure:
                for i in range(p):
                    if equal_intercepts and i not in free_intercepts:
                        if i not in shared_nu:
                            shared_nu[i] = self._new()
                        self.nu_idx[g, i] = shared_nu[i]
                    else:
                        self.nu_idx[g, i] = self._new()
                if equal_intercepts and g > 0:
                    for f in range(m):
                        self.alpha_idx[g, f] = self._new()
        self.variance_params = np.unique(np.concatenate([self.theta_idx.ravel(), *(self.phi_idx[:, f, f] for f in range(m))]))

    def _new(self) -> int:
        self.count += 1
        return self.count - 1

    def matrices(self, theta: FloatArray, g: int) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        lam_idx, phi_idx = self.lam_idx[g], self.phi_idx[g]
        lam = np.where(lam_idx >= 0, theta[lam_idx], self.lam_fixed)
        phi = theta[phi_idx]
        psi = theta[self.theta_idx[g]]
        nu = theta[self.nu_idx[g]] if self.meanstructure else np.zeros(self.p)
        alpha = np.where(self.alpha_idx[g] >= 0, theta[self.alpha_idx[g]], 0.0)
        return lam, phi, psi, nu, alpha

    def implied(self, theta: FloatArray, g: int) -> tuple[FloatArray, FloatArray]:
        lam, phi, psi, nu, alpha = self.matrices(theta, g)
        return lam @ phi @ lam.T + np.diag(psi), nu + lam @ alpha


def _objective(theta: FloatArray, model: _Model, groups: Sequence[GroupData], weights: FloatArray) -> tuple[float, FloatArray]:
    """sum_g w_g [log|Sigma| + tr(S Sigma^-1) - log|S| - p + (ybar - mu)' Sigma^-1 (ybar - mu)] and its gradient."""
    value = 0.0
    grad = np.zeros_like(theta)
    for g, data in enumerate(groups):
        lam, phi, psi, nu, alpha = model.matrices(theta, g)
        sigma = lam @ phi @ lam.T + np.diag(psi)
        try:
            chol = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return 1e10, np.zeros_like(theta)
        inv = np.linalg.inv(sigma)
        logdet = 2.0 * float(np.log(np.diag(chol)).sum())
        d = data.means - (nu + lam @ alpha) if model.meanstructure else np.zeros(model.p)
        inv_d = inv @ d
        value += weights[g] * (logdet + float(np.sum(data.cov * inv)) + float(d @ inv_d))
        w = inv - inv @ (data.cov + np.outer(d, d)) @ inv
        w = weights[g] * w
        g_lam = 2.0 * w @ lam @ phi
        g_phi = lam.T @ w @ lam
        if model.meanstructure:
            g_mu = -2.0 * weights[g] * inv_d
            g_lam = g_lam + np.outer(g_mu, alpha)
            np.add.at(grad, model.nu_idx[g], g_mu)
            a_idx = model.alpha_idx[g]
            np.add.at(grad, a_idx[a_idx >= 0], (lam.T @ g_mu)[a_idx >= 0])
        l_idx = model.lam_idx[g]
        np.add.at(grad, l_idx[l_idx >= 0], g_lam[l_idx >= 0])
        np.add.at(grad, model.phi_idx[g].ravel(), g_phi.ravel())
        np.add.at(grad, model.theta_idx[g], np.diag(w))
    return value, grad


def _start(model: _Model, structure: Sequence[Sequence[int]], groups: Sequence[GroupData]) -> FloatArray:
    """Loadings 1, factor variance the mean covariance among its items, residual variances half the item variances."""
    total = np.zeros(model.count)
    times = np.zeros(model.count)

    def put(idx: int, value: float) -> None:
        if idx >= 0:
            total[idx] += value
            times[idx] += 1

    for g, data in enumerate(groups):
        for f, items in enumerate(structure):
            block = data.cov[np.ix_(items, items)]
            off = block[~np.eye(len(items), dtype=bool)]
            put(model.phi_idx[g, f, f], max(float(off.mean()) if off.size else 0.0, 0.05 * float(np.diag(block).mean())))
            for i in items[1:]:
                put(model.lam_idx[g, i, f], 1.0)
        for i in range(model.p):
            put(model.theta_idx[g, i], data.cov[i, i] / 2.0)
            put(model.nu_idx[g, i], float(data.means[i]))
    return np.divide(total, times, out=np.zeros_like(total), where=times > 0)


def _start_from(model: _Model, estimates: Sequence[tuple[FloatArray, ...]]) -> FloatArray:
    """Starting values from a related model's estimates; a parameter shared by several groups starts at their mean."""
    total = np.zeros(model.count)
    times = np.zeros(model.count)
    for g, (lam, phi, psi, nu, alpha) in enumerate(estimates):
        for idx, values in (
            (model.lam_idx[g], lam),
            (model.phi_idx[g], phi),
            (model.theta_idx[g], psi),
            (model.nu_idx[g], nu),
            (model.alpha_idx[g], alpha),
        ):
            used = idx >= 0
            np.add.at(total, idx[used], values[used])
            np.add.at(times, idx[used], 1.0)
    return np.divide(total, times, out=np.zeros_like(total), where=times > 0)


def _minimise(
    model: _Model, groups: Sequence[GroupData], weights: FloatArray, start: FloatArray, bounds: list[tuple[float | None, None]]
) -> tuple[FloatArray, bool]:
    """L-BFGS-B to a tight tolerance, then judged by the gradient itself.

    Asked for this much precision, L-BFGS-B often stops with "abnormal termination in
    line search" once rounding noise dominates, at the minimum already; a restart from
    there settles it, and a free parameter's gradient near zero shows it is a minimum.
    """
    from scipy import optimize

    theta = start
    lower = np.array([b[0] if b[0] is not None else -np.inf for b in bounds])
    for _ in range(3):
        result = optimize.minimize(
            _objective,
            theta,
            args=(model, groups, weights),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 20_000, "maxcor": 30, "ftol": 1e-16, "gtol": 1e-10},
        )
        theta = result.x
        free = ~((theta <= lower * (1 + 1e-9)) & (result.jac > 0))  # a variance may push against its floor
        if result.success or np.max(np.abs(result.jac[free]), initial=0.0) < _GRADIENT_TOLERANCE:
            return theta, True
    return theta, False


def fit_cfa(
    groups: Sequence[GroupData],
    structure: Mapping[str, Sequence[str]],
    items: Sequence[str],
    equal: Sequence[str] = (),
    free_intercepts: Sequence[str] = (),
    start_from: CfaFit | None = None,
) -> CfaFit:
    """Fit the CFA ``structure`` (factor -> its items, marker first) to one or several groups.

    ``items`` names the columns of the groups' statistics; ``equal`` holds "loadings"
    and/or "intercepts" (lavaan's ``group.equal``); ``free_intercepts`` frees those
    items' intercepts in a model with equal intercepts (lavaan's ``group.partial``);
    ``start_from``, a fit of a nested model to the same groups and items, only saves time.
    """
    from scipy import stats

    names = tuple(items)
    position = {name: i for i, name in enumerate(names)}
    layout = [[position[i] for i in factor_items] for factor_items in structure.values()]
    if any(len(f) < 2 for f in layout):
        raise ValueError("every factor needs at least two items")
    n_groups = len(groups)
    meanstructure = n_groups > 1
    model = _Model(layout, len(names), n_groups, meanstructure, frozenset(equal), frozenset(position[i] for i in free_intercepts))
    n_total = sum(g.n for g in groups)
    weights = np.array([g.n / n_total for g in groups])
    start = _start_from(model, start_from.estimates) if start_from is not None else _start(model, layout, groups)
    bounds = [(None, None)] * model.count
    floor = _VARIANCE_FLOOR * min(float(np.diag(g.cov).min()) for g in groups)
    for idx in model.variance_params:
        bounds[int(idx)] = (floor, None)
    with threadpool_limits(limits=1, user_api="blas"):
        theta, converged = _minimise(model, groups, weights, start, bounds)
    p = len(names)
    # F_g = log|Sigma| + tr(S Sigma^-1) - log|S| - p + mean term; the constant parts were left out of the search
    chisq = 0.0
    srmr = 0.0
    for g, data in enumerate(groups):
        sigma, mu = model.implied(theta, g)
        _, logdet_sigma = np.linalg.slogdet(sigma)
        _, logdet_s = np.linalg.slogdet(data.cov)
        d = data.means - mu if meanstructure else np.zeros(p)
        inv = np.linalg.inv(sigma)
        f_g = logdet_sigma + float(np.sum(data.cov * inv)) - logdet_s - p + float(d @ inv @ d)
        chisq += data.n * max(f_g, 0.0)
        srmr += data.n / n_total * srmr_group(data, sigma, mu, meanstructure)
    moments = n_groups * (p * (p + 1) // 2 + (p if meanstructure else 0))
    df = moments - model.count
    base_chisq, base_df = baseline(groups)
    point, low, high = rmsea(chisq, df, n_total, n_groups)
    fit = FitStats(
        chisq=chisq,
        df=df,
        pvalue=float(stats.chi2.sf(chisq, df)) if df > 0 else None,
        cfi=cfi(chisq, df, base_chisq, base_df),
        tli=tli(chisq, df, base_chisq, base_df),
        rmsea=point,
        rmsea_ci_low=low,
        rmsea_ci_high=high,
        srmr=srmr,
        baseline_chisq=base_chisq,
        baseline_df=base_df,
        n=n_total,
        n_groups=n_groups,
    )
    factors = tuple(structure)
    std, raw, intercepts, latent, estimates = [], [], [], [], []
    factor_of = {i: f for f, members in enumerate(layout) for i in members}
    for g in range(n_groups):
        lam, phi, psi, nu, alpha = model.matrices(theta, g)
        estimates.append((lam, phi, psi, nu, alpha))
        sigma, _ = model.implied(theta, g)
        raw.append({names[i]: float(lam[i, f]) for i, f in factor_of.items()})
        std.append({names[i]: float(lam[i, f] * np.sqrt(phi[f, f]) / np.sqrt(sigma[i, i])) for i, f in factor_of.items()})
        intercepts.append({names[i]: float(nu[i]) for i in range(p)} if meanstructure else {})
        latent.append({factors[f]: float(alpha[f]) for f in range(len(factors))})
    boundary = bool(np.any(np.isclose(theta[model.variance_params], floor, rtol=0.0, atol=floor * 10)))
    return CfaFit(
        factors=factors,
        items=names,
        fit=fit,
        std_loadings=tuple(std),
        loadings=tuple(raw),
        intercepts=tuple(intercepts),
        latent_means=tuple(latent),
        converged=converged,
        boundary=boundary,
        estimates=tuple(estimates),
    )
