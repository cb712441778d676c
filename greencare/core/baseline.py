"""Weather-normalised baseline models: the ASHRAE Guideline 14 change-point family.

Pure numpy/scipy, no storage. A baseline relates the energy used in each period (a calendar
month, a billing period or a day) to the outdoor temperatures of that period::

    mean  E = n·b0                                          (p = 1)
    2P    E = n·b0 + b1·ΣT                                  (p = 2, linear in temperature)
    3PH   E = n·b0 + bh·HDD(τh)                             (p = 3, heating)
    3PC   E = n·b0 + bc·CDD(τc)                             (p = 3, cooling)
    4P    E = n·b0 + bh·HDD(τ) + bc·CDD(τ)                  (p = 4, one change point)
    5P    E = n·b0 + bh·HDD(τh) + bc·CDD(τc), τh ≤ τc        (p = 5, heating, dead band, cooling)

where n is the days in the period and HDD(τ) = Σ w·max(0, τ - t), CDD(τ) = Σ w·max(0, t - τ)
over the period's temperatures t, each standing for w days (``Weather``). With daily mean
temperatures (an imported station) this is the variable-base degree-day model; with one mean
temperature per month (NOAA's statewide data gives HDD and CDD at 65 °F, and the monthly mean
is exactly 65 + (CDD - HDD) / n) it is Guideline 14's change-point model on monthly mean
temperatures (ASHRAE RP-1050 Inverse Modeling Toolkit). p counts the change points as
parameters, as Guideline 14 names the models.

Fitting. Use per day (E/n) is regressed on the columns above divided by n by weighted least
squares with weights n (so the residual totals sum to zero and NMBE is 0 up to rounding, as for
any least-squares fit with an intercept). For the change-point models the sum of squared errors
is profiled over a grid of change points (1 °F or 0.5 °C apart, between the ``MIN_SIDE``-th
lowest and highest period mean temperatures, so each side has data), every grid point solved at
once with batched normal equations; the best grid point is refined by scipy's bounded search
(``minimize_scalar``; bounded Nelder-Mead for the 5P pair) and the final fit is
``scipy.linalg.lstsq``. Standard errors and t-statistics are those of the regression
coefficients at the chosen change points, with n - p degrees of freedom (change points are
profiled, so they have no standard error here).

Statistics (Guideline 14, on the period totals, n - p degrees of freedom as nmecr computes them):
R² = 1 - SSE/SST, adjusted R² = 1 - (1 - R²)(n - 1)/(n - p), CV(RMSE) = sqrt(SSE/(n - p)) / Ē,
NMBE = Σ(E - Ê) / ((n - p) · Ē).

Choosing the model (``fit_best``). A candidate is *valid* when each of its slopes has
|t| ≥ 2 and the physically expected sign (heating and cooling slopes positive; a 4P needs at
least one positive slope; the 2P slope may have either sign); the mean model is always valid.
Among valid candidates the lowest CV(RMSE) wins — with n - p degrees of freedom this is the
same ranking as the highest adjusted R² — except that a simpler model (fewer parameters) whose
CV(RMSE) is within ``PARSIMONY`` (2 % relative, or 0.1 percentage point) of the best is
preferred; among those the fewest parameters win, then the lower CV(RMSE).

Fit for savings. Guideline 14's acceptance limits: CV(RMSE) at most 15 % and NMBE within
±0.5 % for monthly data; for daily or shorter periods greencare applies the hourly-data limits,
CV(RMSE) 30 % and NMBE ±10 %. A model outside them is still reported, marked
``fit_for_savings = False`` with the reasons; so is a model whose slopes fail the validity
test when it is fitted on its own with ``fit``. The mean model is fit for savings when use does
not depend on the weather and the limits are met.
The limits are parameters (``Limits``). Sources: the standard itself (ASHRAE Guideline
14-2014, Measurement of Energy, Demand, and Water Savings) was not available to check; secondary
summaries of it (e.g. https://mepvault.com/cv-rmse-calibration-energy-model/) give CV(RMSE)
15 % monthly / 30 % hourly, with NMBE ±5 % / ±10 %, as its limits for calibrated models.
greencare keeps the stricter ±0.5 % NMBE for monthly data; a least-squares fit with an intercept
has NMBE ≈ 0 anyway, so in practice CV(RMSE) decides.

Why not OpenEEmeter. ``eemeter`` (CalTRACK methods, Apache-2.0) was evaluated: it needs numba,
nlopt, scikit-fda, fdasrsf, scikit-learn and pyarrow, and its models report CalTRACK's own fit
statistics rather than Guideline 14's R², CV(RMSE), NMBE and t-statistics with n - p degrees of
freedom. greencare uses scipy and numpy least squares instead and validates on eemeter's
simulated samples (``tests/core/test_baseline.py``), whose true balance points are known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import linalg, optimize

from greencare.core.errors import InputError

MODELS = ("mean", "2P", "3PH", "3PC", "4P", "5P")
PARAMETERS = {"mean": 1, "2P": 2, "3PH": 3, "3PC": 3, "4P": 4, "5P": 5}
MODEL_NAMES = {
    "mean": "mean (no weather dependence)",
    "2P": "2-parameter (linear in temperature)",
    "3PH": "3-parameter heating",
    "3PC": "3-parameter cooling",
    "4P": "4-parameter (one change point)",
    "5P": "5-parameter (heating, dead band, cooling)",
}
#: A simpler valid model within this fraction of the best CV(RMSE) is preferred.
PARSIMONY = 0.02
#: ... or within this absolute difference (0.1 percentage point), for near-exact fits.
PARSIMONY_ABS = 0.001
#: Least periods each side of a change point (by period mean temperature); at least 10 % of n.
MIN_SIDE = 3
#: Least periods for any fit.
MIN_PERIODS = 6
T_MIN = 2.0


@dataclass(frozen=True)
class Limits:
    """Guideline 14 acceptance limits (fractions): CV(RMSE) at most, |NMBE| at most."""

    cv_rmse: float
    nmbe: float
    label: str

    @classmethod
    def for_period_days(cls, mean_days: float) -> Limits:
        if mean_days >= 27:
            return cls(0.15, 0.005, "ASHRAE Guideline 14-2014, monthly data")
        return cls(0.30, 0.10, "ASHRAE Guideline 14-2014, hourly-data limits (daily data)")


@dataclass(frozen=True)
class Weather:
    """The temperatures behind each period.

    ``temps`` (one per day, or one mean per period) belong to period ``period`` (sorted,
    0..P-1, every period present) and stand for ``weights`` days each; ``days`` is the length
    of each period. ``unit`` is ``F`` or ``C``.
    """

    temps: np.ndarray
    weights: np.ndarray
    period: np.ndarray
    days: np.ndarray
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in ("F", "C"):
            raise InputError(f"temperature unit must be F or C, not {self.unit!r}")
        if len(self.temps) == 0:
            raise InputError("no temperatures")
        if np.any(np.diff(self.period) < 0):
            raise InputError("temperatures must be in period order")
        if not np.all(np.isfinite(self.temps)):
            raise InputError("temperatures must be finite numbers")
        # computed once: where each period's temperatures start, and whether there is one each
        starts = np.flatnonzero(np.r_[True, np.diff(self.period) != 0])
        object.__setattr__(self, "_first", starts)
        object.__setattr__(self, "_single", len(starts) == len(self.temps))

    @classmethod
    def from_daily(cls, period: Any, temps: Any, unit: str) -> Weather:
        """Daily mean temperatures, each labelled with its period number (0, 1, ...)."""
        period = np.asarray(period, dtype=int)
        order = np.argsort(period, kind="stable")
        period = period[order]
        t = np.asarray(temps, dtype=float)[order]
        days = np.bincount(period).astype(float)
        if np.any(days == 0):
            raise InputError("a period has no temperatures")
        return cls(t, np.ones_like(t), period, days, unit)

    @classmethod
    def from_means(cls, means: Any, days: Any, unit: str) -> Weather:
        """One mean temperature per period (each standing for the period's days)."""
        t = np.asarray(means, dtype=float)
        n = np.asarray(days, dtype=float)
        return cls(t, n.copy(), np.arange(len(t)), n, unit)

    @classmethod
    def from_degree_days(cls, hdd: Any, cdd: Any, days: Any, base: float, unit: str) -> Weather:
        """Per-period HDD and CDD at one base: the mean temperature is base + (CDD - HDD)/n."""
        n = np.asarray(days, dtype=float)
        means = base + (np.asarray(cdd, dtype=float) - np.asarray(hdd, dtype=float)) / n
        return cls.from_means(means, n, unit)

    @property
    def periods(self) -> int:
        return len(self.days)

    def mean_temps(self) -> np.ndarray:
        """Each period's mean temperature (weighted by days)."""
        if self._single:  # type: ignore[attr-defined]
            return self.temps.copy()
        starts = self._first  # type: ignore[attr-defined]
        return np.add.reduceat(self.temps * self.weights, starts) / np.add.reduceat(
            self.weights, starts
        )

    def sum_temps(self) -> np.ndarray:
        """Σ w·t per period: the 2P regressor (n times the mean temperature)."""
        return self.mean_temps() * self.days

    def degree_days(self, bases: Any) -> tuple[np.ndarray, np.ndarray]:
        """HDD and CDD per period (rows) at each base (columns), in °unit·day."""
        b = np.atleast_1d(np.asarray(bases, dtype=float))
        diff = b[None, :] - self.temps[:, None]
        w = self.weights[:, None]
        hdd, cdd = np.maximum(diff, 0.0) * w, np.maximum(-diff, 0.0) * w
        if self._single:  # type: ignore[attr-defined]
            return hdd, cdd
        starts = self._first  # type: ignore[attr-defined]
        return np.add.reduceat(hdd, starts, axis=0), np.add.reduceat(cdd, starts, axis=0)


@dataclass(frozen=True)
class Coefficient:
    name: str
    value: float
    std_error: float | None
    t_stat: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "std_error": self.std_error,
            "t_stat": self.t_stat,
        }


@dataclass(frozen=True)
class Model:
    """A fitted baseline model with its Guideline 14 statistics.

    ``base_load`` and the slopes are per day (energy unit per day, per degree-day);
    ``heating_balance`` / ``cooling_balance`` are the change points (°``unit``), None when the
    model has none. Statistics are fractions (0.05 = 5 %).
    """

    kind: str
    unit: str
    base_load: float
    heating_slope: float | None
    cooling_slope: float | None
    temperature_slope: float | None
    heating_balance: float | None
    cooling_balance: float | None
    coefficients: tuple[Coefficient, ...]
    n: int
    p: int
    r2: float
    adj_r2: float
    cv_rmse: float
    nmbe: float
    valid: bool
    fit_for_savings: bool
    reasons: tuple[str, ...] = ()
    limits: Limits | None = None
    candidates: tuple[dict[str, Any], ...] = field(default=(), compare=False)

    @property
    def name(self) -> str:
        return MODEL_NAMES[self.kind]

    def predict(self, weather: Weather) -> np.ndarray:
        """Energy per period for these temperatures (same energy unit as the fit)."""
        if weather.unit != self.unit:
            raise InputError(
                f"the model is in °{self.unit} and the temperatures are °{weather.unit}"
            )
        out = self.base_load * weather.days
        if self.temperature_slope is not None:
            out = out + self.temperature_slope * weather.sum_temps()
        if self.heating_slope is not None and self.heating_balance is not None:
            out = out + self.heating_slope * weather.degree_days(self.heating_balance)[0][:, 0]
        if self.cooling_slope is not None and self.cooling_balance is not None:
            out = out + self.cooling_slope * weather.degree_days(self.cooling_balance)[1][:, 0]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.kind,
            "name": self.name,
            "temperature_unit": self.unit,
            "base_load_per_day": self.base_load,
            "heating_slope_per_degree_day": self.heating_slope,
            "cooling_slope_per_degree_day": self.cooling_slope,
            "temperature_slope_per_degree_day": self.temperature_slope,
            "heating_balance_point": self.heating_balance,
            "cooling_balance_point": self.cooling_balance,
            "coefficients": [c.as_dict() for c in self.coefficients],
            "n": self.n,
            "p": self.p,
            "r2": self.r2,
            "adj_r2": self.adj_r2,
            "cv_rmse": self.cv_rmse,
            "nmbe": self.nmbe,
            "valid": self.valid,
            "fit_for_savings": self.fit_for_savings,
            "reasons": list(self.reasons),
            "limits": None
            if self.limits is None
            else {
                "cv_rmse": self.limits.cv_rmse,
                "nmbe": self.limits.nmbe,
                "source": self.limits.label,
            },
            "candidates": list(self.candidates),
        }


# --- the regressions ---------------------------------------------------------------------------


def _design(kind: str, weather: Weather, th: float | None, tc: float | None) -> np.ndarray:
    """Columns of per-period totals: n, then the model's weather terms."""
    cols = [weather.days]
    if kind == "2P":
        cols.append(weather.sum_temps())
    if kind in ("3PH", "4P", "5P"):
        cols.append(weather.degree_days(th)[0][:, 0])
    if kind in ("3PC", "4P", "5P"):
        cols.append(weather.degree_days(tc if kind != "4P" else th)[1][:, 0])
    return np.column_stack(cols)


def _batched_sse(y: np.ndarray, n: np.ndarray, columns: list[np.ndarray]) -> np.ndarray:
    """Weighted SSE of per-day use for every grid point at once.

    ``columns`` are per-period totals, each (P,) or (P, G); returns (G,). The weights are 1/n
    (per-day values weighted by days); the normal equations of every grid point are built from
    column products and solved together; SSE = y'Wy - b'beta (only used to rank grid points:
    the chosen point is refitted directly).
    """
    w = 1.0 / n
    g = max(c.shape[1] if c.ndim == 2 else 1 for c in columns)
    cols = [np.broadcast_to(c if c.ndim == 2 else c[:, None], (len(n), g)) for c in columns]
    k = len(cols)
    a = np.empty((g, k, k))
    b = np.empty((g, k))
    for r in range(k):
        wr = cols[r] * w[:, None]
        b[:, r] = y @ wr
        for c in range(r, k):
            a[:, r, c] = a[:, c, r] = np.einsum("pg,pg->g", wr, cols[c])
    with np.errstate(all="ignore"):
        try:
            beta = np.linalg.solve(a, b[..., None])[..., 0]
        except np.linalg.LinAlgError:
            beta = np.stack([np.linalg.lstsq(a[i], b[i], rcond=None)[0] for i in range(g)])
        sse = float(y @ (y * w)) - np.einsum("gk,gk->g", b, beta)
    return np.where(np.isfinite(sse), sse, np.inf)


def _sse_at(
    kind: str, y: np.ndarray, weather: Weather, th: float | None, tc: float | None
) -> float:
    """Weighted SSE at given change points (normal equations: called many times per fit)."""
    x = _design(kind, weather, th, tc)
    w = 1.0 / weather.days
    a = (x.T * w) @ x
    b = (x.T * w) @ y
    try:
        beta = np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        beta = np.linalg.lstsq(a, b, rcond=None)[0]
    r = y - x @ beta
    return float(r @ (r * w))


def _grid(weather: Weather) -> np.ndarray:
    step = 1.0 if weather.unit == "F" else 0.5
    means = np.sort(weather.mean_temps())
    side = max(MIN_SIDE, math.ceil(0.1 * len(means)))
    if len(means) < 2 * side:
        return np.array([])
    lo, hi = means[side - 1], means[-side]
    if hi <= lo:
        return np.array([])
    start = math.ceil(lo / step) * step
    grid = np.arange(start, hi + step / 2, step)
    return grid[(grid >= lo) & (grid <= hi)]


def _change_points(
    kind: str, y: np.ndarray, weather: Weather, grid: np.ndarray
) -> tuple[float | None, float | None]:
    """The change point(s) minimising the SSE: grid, then scipy's bounded refinement."""
    n = weather.days
    step = 1.0 if weather.unit == "F" else 0.5
    lo, hi = float(grid[0]), float(grid[-1])
    hdd, cdd = weather.degree_days(grid)
    if kind in ("3PH", "3PC", "4P"):
        cols = [n] + ([hdd] if kind != "3PC" else []) + ([cdd] if kind != "3PH" else [])
        sse = _batched_sse(y, n, cols)
        best = float(grid[int(np.argmin(sse))])
        th_or_tc: dict[str, Any] = {"3PH": (0, None), "3PC": (None, 0), "4P": (0, None)}

        def f(t: float) -> float:
            a, b = th_or_tc[kind]
            return _sse_at(kind, y, weather, t if a == 0 else None, t if b == 0 else None)

        res = optimize.minimize_scalar(
            f, bounds=(max(lo, best - step), min(hi, best + step)), method="bounded",
            options={"xatol": 1e-8},
        )  # fmt: skip
        t = float(res.x) if res.fun <= f(best) else best
        return (t, None) if kind != "3PC" else (None, t)
    # 5P: every pair th <= tc on the grid
    i, j = np.triu_indices(len(grid))
    sse = _batched_sse(y, n, [n, hdd[:, i], cdd[:, j]])
    k = int(np.argmin(sse))
    th0, tc0 = float(grid[i[k]]), float(grid[j[k]])

    scale = max(float(sse[k]), 1e-300)  # SSE relative to the grid's best, so fatol is relative

    def f2(v: np.ndarray) -> float:  # v = (heating change point, dead band width >= 0)
        return _sse_at("5P", y, weather, float(v[0]), float(v[0] + v[1])) / scale

    gap = tc0 - th0
    bounds = [
        (max(lo, th0 - step), min(hi, th0 + step)),
        (max(0.0, gap - 2 * step), gap + 2 * step),
    ]
    start = np.array([th0, gap])
    res = optimize.minimize(
        f2, start, method="Nelder-Mead", bounds=bounds, options={"xatol": 1e-7, "fatol": 1e-10}
    )
    if res.fun <= f2(start) and res.x[0] + res.x[1] <= hi:
        return float(res.x[0]), float(res.x[0] + res.x[1])
    return th0, tc0


_SLOT_NAMES = {
    "mean": ("base_load",),
    "2P": ("base_load", "temperature_slope"),
    "3PH": ("base_load", "heating_slope"),
    "3PC": ("base_load", "cooling_slope"),
    "4P": ("base_load", "heating_slope", "cooling_slope"),
    "5P": ("base_load", "heating_slope", "cooling_slope"),
}


def fit(
    kind: str,
    use: Any,
    weather: Weather,
    *,
    heating_balance: float | None = None,
    cooling_balance: float | None = None,
    limits: Limits | None = None,
) -> Model:
    """Fit one model; change points are searched unless given."""
    if kind not in MODELS:
        raise InputError(f"model {kind!r} is not one of {', '.join(MODELS)}")
    y = np.asarray(use, dtype=float)
    if y.shape != (weather.periods,):
        raise InputError(f"{len(y)} use values for {weather.periods} periods")
    if not np.all(np.isfinite(y)):
        raise InputError("use values must be finite numbers")
    n_obs, p = len(y), PARAMETERS[kind]
    if n_obs < max(MIN_PERIODS, p + 1):
        raise InputError(
            f"{n_obs} periods are too few for a {MODEL_NAMES[kind]} model: at least "
            f"{max(MIN_PERIODS, p + 1)} are needed"
        )
    th, tc = heating_balance, cooling_balance
    if kind == "4P" and th is None:
        th = cooling_balance
    needs = {"3PH": th is None, "3PC": tc is None, "4P": th is None, "5P": th is None or tc is None}
    if needs.get(kind, False):
        grid = _grid(weather)
        if len(grid) == 0:
            raise InputError(
                f"the temperatures of these {n_obs} periods are too close together to place a "
                f"change point (at least {MIN_SIDE} periods each side are needed)"
            )
        th, tc = _change_points(kind, y, weather, grid)
    if kind == "4P":
        tc = th
    x = _design(kind, weather, th, tc)
    scale = 1.0 / np.sqrt(weather.days)
    xw, yw = x * scale[:, None], y * scale
    beta, _, rank, _ = linalg.lstsq(xw, yw)
    predicted = x @ beta
    resid = y - predicted
    dof = n_obs - p
    sse = float(resid @ resid)
    mean_y = float(np.mean(y))
    sst = float(np.sum((y - mean_y) ** 2))
    r2 = 1.0 - sse / sst if sst > 0 else (1.0 if sse == 0 else 0.0)
    adj = 1.0 - (1.0 - r2) * (n_obs - 1) / dof if dof > 0 else math.nan
    cv = math.sqrt(sse / dof) / mean_y if dof > 0 and mean_y else math.nan
    nmbe = float(resid.sum()) / (dof * mean_y) if dof > 0 and mean_y else math.nan
    rw = yw - xw @ beta
    sigma2 = float(rw @ rw) / dof if dof > 0 else math.nan
    try:
        cov = sigma2 * linalg.inv(xw.T @ xw) if rank == x.shape[1] else None
    except linalg.LinAlgError:
        cov = None
    names = _SLOT_NAMES[kind]
    coefs = []
    for idx, name in enumerate(names):
        se = math.sqrt(cov[idx, idx]) if cov is not None and cov[idx, idx] >= 0 else None
        t = beta[idx] / se if se else (math.inf if se == 0 and beta[idx] else None)
        coefs.append(Coefficient(name, float(beta[idx]), se, None if t is None else float(t)))
    values = dict(zip(names, (float(b) for b in beta), strict=True))
    valid, why = _validity(kind, coefs)
    lim = limits or Limits.for_period_days(float(np.mean(weather.days)))
    reasons = list(why)
    if math.isfinite(cv) and cv > lim.cv_rmse:
        reasons.append(f"CV(RMSE) {cv:.1%} is above the {lim.cv_rmse:.0%} limit ({lim.label})")
    if math.isfinite(nmbe) and abs(nmbe) > lim.nmbe:
        reasons.append(f"NMBE {nmbe:+.2%} is outside ±{lim.nmbe:.1%} ({lim.label})")
    if not math.isfinite(cv):
        reasons.append("CV(RMSE) cannot be computed (mean use is zero)")
    return Model(
        kind=kind,
        unit=weather.unit,
        base_load=values["base_load"],
        heating_slope=values.get("heating_slope"),
        cooling_slope=values.get("cooling_slope"),
        temperature_slope=values.get("temperature_slope"),
        heating_balance=float(th) if kind in ("3PH", "4P", "5P") else None,
        cooling_balance=float(tc) if kind in ("3PC", "4P", "5P") else None,
        coefficients=tuple(coefs),
        n=n_obs,
        p=p,
        r2=r2,
        adj_r2=adj,
        cv_rmse=cv,
        nmbe=nmbe,
        valid=valid,
        fit_for_savings=not reasons,
        reasons=tuple(reasons),
        limits=lim,
    )


def _validity(kind: str, coefs: list[Coefficient]) -> tuple[bool, list[str]]:
    slopes = [c for c in coefs if c.name != "base_load"]
    why = []
    for c in slopes:
        if c.t_stat is None or abs(c.t_stat) < T_MIN:
            t = "undefined" if c.t_stat is None else f"{c.t_stat:.2f}"
            why.append(f"{c.name.replace('_', ' ')} is not significant (|t| = {t} < {T_MIN:g})")
    if kind in ("3PH", "3PC", "5P"):
        why += [
            f"{c.name.replace('_', ' ')} is negative ({c.value:.4g})"
            for c in slopes
            if c.value <= 0
        ]
    if kind == "4P" and all(c.value <= 0 for c in slopes):
        why.append("both slopes of the 4-parameter model are negative")
    return not why, why


def fit_best(
    use: Any,
    weather: Weather,
    *,
    models: tuple[str, ...] = MODELS,
    limits: Limits | None = None,
) -> Model:
    """Fit every model in ``models`` and pick one by the rule in the module docstring."""
    fitted: list[Model] = []
    errors: list[str] = []
    for kind in models:
        try:
            fitted.append(fit(kind, use, weather, limits=limits))
        except InputError as exc:
            errors.append(f"{kind}: {exc}")
    if not fitted:
        raise InputError(errors[0].split(": ", 1)[1] if errors else "no model could be fitted")
    valid = [m for m in fitted if m.valid]
    pool = valid or [m for m in fitted if m.kind == "mean"] or fitted
    best_cv = min(m.cv_rmse for m in pool)
    near = [m for m in pool if m.cv_rmse <= max(best_cv * (1 + PARSIMONY), best_cv + PARSIMONY_ABS)]
    chosen = min(near, key=lambda m: (m.p, m.cv_rmse))
    table = tuple(
        {
            "model": m.kind,
            "valid": m.valid,
            "r2": m.r2,
            "adj_r2": m.adj_r2,
            "cv_rmse": m.cv_rmse,
            "nmbe": m.nmbe,
            "heating_balance_point": m.heating_balance,
            "cooling_balance_point": m.cooling_balance,
            "chosen": m is chosen,
            "why_not_valid": [r for r in m.reasons if "significant" in r or "negative" in r],
        }
        for m in fitted
    )
    return Model(
        **{**{f: getattr(chosen, f) for f in chosen.__dataclass_fields__}, "candidates": table}
    )
