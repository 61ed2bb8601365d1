"""Evaluation of Violence Reduction Unit interventions from the partnership's own data (config
`interventions:`): an interrupted time series of the covered LSOAs and a difference in
differences against comparison LSOAs, each as a rate ratio with a 95% interval, with a check of
the pre-period trends, small-number flags and a plain-English verdict that claims no more than
the figures allow. The monthly series come from sql/assessment/intervention_series.sql.

Both models are Poisson GLMs whose standard errors are the larger of the quasi-Poisson ones
(Pearson dispersion, never below 1) and Newey-West ones (lag 3): monthly crime counts are
over-dispersed and autocorrelated, and an interval too narrow would claim too much."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from svna.config import INTERVENTION_MEASURES

MIN_MONTHLY_EVENTS = 10  # fewer a month on average in the covered LSOAs: estimates are fragile
MIN_PRE_MONTHS = 12  # a shorter pre-period cannot show a trend and a season apart
MIN_POST_MONTHS = 6
HAC_LAGS = 3
PRETREND_ALPHA = 0.05
Z95 = stats.norm.ppf(0.975)

MEASURE_LABELS = {
    "serious_violence": "serious violence (police.uk)",
    "all_crime": "crime (police.uk, anti-social behaviour excluded)",
    "knife_enabled": "knife or sharp instrument serious violence (force extract)",
    "youth_serious_violence": "serious violence against young victims (force extract)",
    "ae_assaults": "A&E assault attendances",
}
assert MEASURE_LABELS.keys() == INTERVENTION_MEASURES.keys()

COMPARISON_LABELS = {"rest": "the rest of the partnership area",
                     "matched": "matched LSOAs of the area (IMD decile and pre-period trend)",
                     "listed": "the places named in the config"}

COLUMNS = {  # name -> DuckDB type: stated, as a column of missing values would have none
    "intervention": "VARCHAR", "measure": "VARCHAR", "method": "VARCHAR",
    "comparison": "VARCHAR", "start_month": "VARCHAR", "end_month": "VARCHAR",
    "pre_months": "INTEGER", "post_months": "INTEGER", "treated_lsoas": "INTEGER",
    "comparison_lsoas": "INTEGER", "treated_events_pre": "BIGINT",
    "treated_events_post": "BIGINT", "comparison_events_pre": "BIGINT",
    "comparison_events_post": "BIGINT", "treated_mean_pre": "DOUBLE",
    "treated_mean_post": "DOUBLE", "rate_ratio": "DOUBLE", "ci_lower": "DOUBLE",
    "ci_upper": "DOUBLE", "p_value": "DOUBLE", "level_change_rr": "DOUBLE",
    "level_ci_lower": "DOUBLE", "level_ci_upper": "DOUBLE", "trend_change_rr_per_year": "DOUBLE",
    "trend_ci_lower": "DOUBLE", "trend_ci_upper": "DOUBLE", "pretrend_rr_per_year": "DOUBLE",
    "pretrend_ci_lower": "DOUBLE", "pretrend_ci_upper": "DOUBLE", "pretrend_p_value": "DOUBLE",
    "pretrend_check": "VARCHAR", "dispersion": "DOUBLE", "small_numbers": "BOOLEAN",
    "flags": "VARCHAR", "verdict": "VARCHAR", "model": "VARCHAR",
}


@dataclass(frozen=True)
class Estimate:
    """A log rate ratio and its standard error, read as a rate ratio with a 95% interval."""

    log_rr: float
    se: float

    @property
    def rr(self) -> float:
        return math.exp(self.log_rr)

    @property
    def lower(self) -> float:
        return math.exp(self.log_rr - Z95 * self.se)

    @property
    def upper(self) -> float:
        return math.exp(self.log_rr + Z95 * self.se)

    @property
    def p_value(self) -> float:
        return float(2 * stats.norm.sf(abs(self.log_rr) / self.se)) if self.se > 0 else 0.0


@dataclass
class Fit:
    params: np.ndarray
    cov: np.ndarray  # the conservative covariance: see conservative_cov
    dispersion: float

    def contrast(self, weights: np.ndarray) -> Estimate:
        return Estimate(float(weights @ self.params), float(math.sqrt(weights @ self.cov @
                                                                      weights)))


class ModelFailed(RuntimeError):
    pass


def poisson_fit(y: np.ndarray, x: np.ndarray, offset: np.ndarray | None = None,
                groups: np.ndarray | None = None) -> Fit:
    """A Poisson GLM whose covariance gives every contrast a variance at least as large as both
    the quasi-Poisson estimate (dispersion never below 1) and the Newey-West one (per series
    when `groups` stacks several)."""
    import statsmodels.api as sm  # slow to import: only when there is something to evaluate
    from statsmodels.tools.sm_exceptions import PerfectSeparationError

    if len(y) < x.shape[1] + 2:  # dispersion needs residual degrees of freedom
        raise ModelFailed(f"too few months ({len(y)} observations) for the model's "
                          f"{x.shape[1]} parameters")
    family = sm.families.Poisson()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            plain = sm.GLM(y, x, family=family, offset=offset).fit()
            if groups is None:
                hac = sm.GLM(y, x, family=family, offset=offset).fit(
                    cov_type="HAC", cov_kwds={"maxlags": HAC_LAGS})
            else:
                hac = sm.GLM(y, x, family=family, offset=offset).fit(
                    cov_type="hac-panel", cov_kwds={"groups": groups, "maxlags": HAC_LAGS})
        except (ValueError, np.linalg.LinAlgError, PerfectSeparationError) as exc:
            raise ModelFailed(f"the model could not be fitted ({exc})") from exc
    if not np.all(np.isfinite(plain.params)) or not plain.converged:
        raise ModelFailed("the model did not converge")
    dispersion = float(plain.pearson_chi2 / plain.df_resid) if plain.df_resid > 0 else math.nan
    quasi = np.asarray(plain.cov_params()) * max(1.0, dispersion if math.isfinite(dispersion)
                                                 else 1.0)
    robust = np.asarray(hac.cov_params())
    if not (np.all(np.isfinite(quasi)) and np.all(np.isfinite(robust))):
        raise ModelFailed("the model's standard errors could not be estimated")
    return Fit(np.asarray(plain.params), conservative_cov(quasi, robust), dispersion)


def conservative_cov(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a + the positive part of (b - a): every contrast's variance is at least as large as under
    either estimate (so the interval is never narrower than either would give)."""
    values, vectors = np.linalg.eigh((b - a + (b - a).T) / 2)
    return a + (vectors * np.clip(values, 0, None)) @ vectors.T


def fourier_terms(months: pd.Series, harmonics: int) -> np.ndarray:
    """Month-of-year seasonality as sine/cosine pairs (months as YYYY-MM)."""
    month_of_year = months.str[5:7].astype(int).to_numpy()
    columns = []
    for k in range(1, harmonics + 1):
        angle = 2 * np.pi * k * month_of_year / 12
        columns += [np.sin(angle), np.cos(angle)]
    return np.column_stack(columns) if columns else np.empty((len(months), 0))


def seasonal_harmonics(months: int) -> int:
    """Two harmonics need two years to be told from trend; one needs a full year."""
    return 2 if months >= 24 else 1 if months >= 12 else 0


def population_offset(series: pd.DataFrame) -> np.ndarray | None:
    """log(population) when every LSOA of the series has one (Census 2021); None otherwise."""
    if (series["lsoas_with_population"] < series["lsoas"]).any() or \
            not (series["population"] > 0).all():
        return None
    return np.log(series["population"].to_numpy(dtype=float))


def its_effects(treated: pd.DataFrame) -> dict:
    """Segmented Poisson regression of the covered LSOAs' monthly counts: level, trend, a step
    and a change of trend from the start, Fourier seasonality, population offset. The headline
    is the average effect over the post-period: fitted counts over those the pre-period trend
    and season would give, by the delta method."""
    treated = treated.sort_values("month_index")
    y = treated["events"].to_numpy(dtype=float)
    t = treated["month_index"].to_numpy(dtype=float)
    post = (treated["period"] == "post").to_numpy(dtype=float)
    start = t[post == 1].min()
    since = np.where(post == 1, t - start, 0.0)
    harmonics = seasonal_harmonics(len(treated))
    scale = max(1.0, t.max() - t.min())  # time in units of the span keeps the fit well scaled
    x = np.column_stack([np.ones_like(t), (t - t.min()) / scale, post, since / scale,
                         fourier_terms(treated["month"], harmonics)])
    offset = population_offset(treated)
    fit = poisson_fit(y, x, offset)
    counterfactual = x.copy()
    counterfactual[:, 2:4] = 0
    linear = x @ fit.params + (offset if offset is not None else 0)
    fitted = np.exp(linear) * post
    without = np.exp(linear - x[:, 2:4] @ fit.params[2:4]) * post
    # d log(sum fitted / sum without) / d params
    gradient = (fitted @ x) / fitted.sum() - (without @ counterfactual) / without.sum()
    average = Estimate(float(math.log(fitted.sum() / without.sum())),
                       float(math.sqrt(gradient @ fit.cov @ gradient)))
    level = fit.contrast(np.eye(len(fit.params))[2])
    per_year = np.zeros(len(fit.params))
    per_year[3] = 12 / scale  # the change of trend, from per span to per year
    trend = fit.contrast(per_year)
    model = (f"Poisson GLM of monthly counts: time, step at the start, change of trend, "
             f"{harmonics} Fourier pair(s) of month of year"
             f"{', offset log(population)' if offset is not None else ''}; SEs the larger of "
             f"quasi-Poisson and Newey-West (lag {HAC_LAGS})")
    return {"effect": average, "level": level, "trend": trend, "dispersion": fit.dispersion,
            "model": model, "offset": offset is not None}


def _stacked(treated: pd.DataFrame, comparison: pd.DataFrame) -> pd.DataFrame:
    both = pd.concat([treated.assign(treated=1.0), comparison.assign(treated=0.0)])
    months = both.groupby("month")["treated"].transform("count")
    return both[months == 2].sort_values(["treated", "month_index"]).reset_index(drop=True)


def _month_dummies(months: pd.Series) -> np.ndarray:
    return pd.get_dummies(months).to_numpy(dtype=float)


def did_effect(treated: pd.DataFrame, comparison: pd.DataFrame) -> dict:
    """Difference in differences of the two monthly series: Poisson with month fixed effects
    (seasonality and anything shared), a treated-group effect and the treated x post effect."""
    both = _stacked(treated, comparison)
    post = (both["period"] == "post").to_numpy(dtype=float)
    group = both["treated"].to_numpy()
    x = np.column_stack([_month_dummies(both["month"]), group, group * post])
    offset = population_offset(both)
    fit = poisson_fit(both["events"].to_numpy(dtype=float), x, offset, groups=group)
    effect = fit.contrast(np.eye(x.shape[1])[-1])
    model = ("Poisson GLM of the treated and comparison monthly counts: month fixed effects, "
             "group, group x post"
             f"{', offset log(population)' if offset is not None else ''}; SEs the larger of "
             f"quasi-Poisson and Newey-West (lag {HAC_LAGS}, per series)")
    return {"effect": effect, "dispersion": fit.dispersion, "model": model}


def pre_trend(treated: pd.DataFrame, comparison: pd.DataFrame) -> Estimate:
    """Treated-minus-comparison trend before the start, as a rate ratio per year: month fixed
    effects, a group effect and a group x time slope over the pre-period."""
    both = _stacked(treated[treated["period"] == "pre"], comparison[comparison["period"] ==
                                                                      "pre"])
    group = both["treated"].to_numpy()
    t = both["month_index"].to_numpy(dtype=float)
    x = np.column_stack([_month_dummies(both["month"]), group, group * (t - t.min()) / 12])
    fit = poisson_fit(both["events"].to_numpy(dtype=float), x, population_offset(both),
                      groups=group)
    return fit.contrast(np.eye(x.shape[1])[-1])


# ---- words ---------------------------------------------------------------------------------

def _pct(value: float) -> str:
    return f"{value:.0f}%" if abs(value) >= 9.5 else f"{value:.1f}%".replace(".0%", "%")


def describe_change(e: Estimate) -> str:
    """What the interval allows, and nothing more (a predicate: 'X was consistent with ...')."""
    if e.upper < 1:
        return (f"was consistent with a fall of {_pct(100 * (1 - e.rr))} (95% CI "
                f"{_pct(100 * (1 - e.upper))} to {_pct(100 * (1 - e.lower))})")
    if e.lower > 1:
        return (f"was consistent with a rise of {_pct(100 * (e.rr - 1))} (95% CI "
                f"{_pct(100 * (e.lower - 1))} to {_pct(100 * (e.upper - 1))})")
    return (f"showed no detectable change; the data could not rule out a fall of "
            f"{_pct(100 * (1 - e.lower))} or a rise of {_pct(100 * (e.upper - 1))}")


def _p(value: float) -> str:
    # three decimals near 0.05, so that a failed check never reads "p = 0.05"
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}" if value < 0.1 \
        else f"p = {value:.2f}"


def _trend_words(trend: Estimate) -> str:
    return (f"difference in trend as a rate ratio {trend.rr:.2f} a year, 95% CI "
            f"{trend.lower:.2f} to {trend.upper:.2f}, {_p(trend.p_value)}")


def its_verdict(measure: str, e: Estimate, post_months: int, caution: str) -> str:
    text = (f"Against the trend and seasonal pattern of the covered LSOAs before the start, "
            f"{MEASURE_LABELS[measure]} over the {post_months} "
            f"month{'s' if post_months != 1 else ''} since {describe_change(e)}. With no "
            f"comparison group, anything else that changed from the same month (force-wide "
            f"trends, recording practice) would show the same way; read it with the "
            f"difference-in-differences row.")
    return caution + text


def did_verdict(measure: str, e: Estimate, trend: Estimate | None, comparison: str,
                caution: str) -> str:
    change = describe_change(e)
    if trend is not None and trend.p_value < PRETREND_ALPHA:
        return caution + (
            f"Relative to {COMPARISON_LABELS[comparison]}, {MEASURE_LABELS[measure]} in the "
            f"covered LSOAs changed by a rate ratio of {e.rr:.2f} (95% CI {e.lower:.2f} to "
            f"{e.upper:.2f}), but the two were already diverging before the start ("
            f"{_trend_words(trend)}), so this comparison cannot be read as an effect of the "
            f"intervention.")
    if trend is None:
        before = ("The pre-period was too short to check that the two followed the same trend "
                  "before the start, so this cannot be read as an effect of the intervention.")
    else:
        before = (f"No difference in trend was detected before the start ("
                  f"{_trend_words(trend)}); still, anything else that changed in the covered "
                  f"places from the same time would show the same way.")
    return caution + (f"Relative to {COMPARISON_LABELS[comparison]}, {MEASURE_LABELS[measure]} "
                      f"in the covered LSOAs {change}. {before}")


def caution_and_flags(treated: pd.DataFrame, pre_months: int, post_months: int,
                      comparison: pd.DataFrame | None) -> tuple[str, list[str]]:
    flags, notes = [], []
    mean = treated["events"].mean() if len(treated) else 0.0
    # no means in the words: with the months they would give back suppressed totals
    if mean < MIN_MONTHLY_EVENTS:
        flags.append(f"few events: under {MIN_MONTHLY_EVENTS} a month in the covered LSOAs")
        notes.append(f"few events (under {MIN_MONTHLY_EVENTS} a month on average)")
    if comparison is not None and len(comparison) and \
            comparison["events"].mean() < MIN_MONTHLY_EVENTS:
        flags.append(f"few events: under {MIN_MONTHLY_EVENTS} a month in the comparison")
        notes.append("few events in the comparison")
    if pre_months < MIN_PRE_MONTHS:
        flags.append(f"short pre-period: {pre_months} months (under {MIN_PRE_MONTHS})")
        notes.append(f"only {pre_months} months before the start")
    if post_months < MIN_POST_MONTHS:
        flags.append(f"short post-period: {post_months} months (under {MIN_POST_MONTHS})")
        notes.append(f"only {post_months} months since the start")
    caution = f"Caution: {'; '.join(notes)}, so the estimate is fragile. " if notes else ""
    return caution, flags


# ---- the table -----------------------------------------------------------------------------

def evaluate(intervention: dict, series: pd.DataFrame, unknown: list[str]) -> list[dict]:
    """The two rows (interrupted time series, difference in differences) of one intervention;
    `series` is its part of assessment.intervention_series."""
    treated = series[series["role"] == "treated"].sort_values("month_index")
    comparison = series[series["role"] == "comparison"].sort_values("month_index")

    def events(frame, period):
        return int(frame.loc[frame["period"] == period, "events"].sum())

    pre_months = int((treated["period"] == "pre").sum())
    post_months = int((treated["period"] == "post").sum())
    base = {
        "intervention": intervention["name"], "measure": intervention["measure"],
        "comparison": COMPARISON_LABELS[intervention["comparison"]],
        "start_month": intervention["start_month"], "end_month": intervention["end_month"],
        "pre_months": pre_months, "post_months": post_months,
        "treated_lsoas": int(treated["lsoas"].max()) if len(treated) else 0,
        "comparison_lsoas": int(comparison["lsoas"].max()) if len(comparison) else 0,
        "treated_events_pre": events(treated, "pre"),
        "treated_events_post": events(treated, "post"),
        "comparison_events_pre": events(comparison, "pre"),
        "comparison_events_post": events(comparison, "post"),
        "treated_mean_pre": _mean(treated, "pre"), "treated_mean_post": _mean(treated, "post"),
    }
    caution, flags = caution_and_flags(treated, pre_months, post_months, comparison)
    if unknown:
        flags.append(f"codes in no lookup, left out: {', '.join(unknown)}")
    its = {**base, "method": "interrupted time series", "pretrend_check": "not applicable"}
    did = {**base, "method": "difference in differences"}
    reason = _cannot_estimate(treated, pre_months, post_months)
    if reason:
        its["verdict"] = f"Not estimated: {reason}."
    else:
        try:
            fitted = its_effects(treated)
        except ModelFailed as exc:
            its["verdict"] = f"Not estimated: {exc}."
        else:
            its.update(_effect_columns(fitted["effect"]), dispersion=fitted["dispersion"],
                       model=fitted["model"],
                       verdict=its_verdict(intervention["measure"], fitted["effect"],
                                           post_months, caution))
            its.update(zip(("level_change_rr", "level_ci_lower", "level_ci_upper"),
                           _interval(fitted["level"]), strict=True))
            its.update(zip(("trend_change_rr_per_year", "trend_ci_lower", "trend_ci_upper"),
                           _interval(fitted["trend"]), strict=True))
    reason = reason or _cannot_compare(comparison, pre_months)
    if reason:
        did.update(verdict=f"Not estimated: {reason}.", pretrend_check="not tested")
    else:
        try:
            trend = pre_trend(treated, comparison)
        except ModelFailed:  # too few months before the start: the check is not made
            trend = None
        try:
            fitted = did_effect(treated, comparison)
        except ModelFailed as exc:
            did.update(verdict=f"Not estimated: {exc}.", pretrend_check="not tested")
        else:
            if trend is None:
                did["pretrend_check"] = "not tested"
            else:
                did.update(zip(("pretrend_rr_per_year", "pretrend_ci_lower", "pretrend_ci_upper"),
                               _interval(trend), strict=True))
                did["pretrend_p_value"] = trend.p_value
                did["pretrend_check"] = "failed" if trend.p_value < PRETREND_ALPHA else "passed"
            did.update(_effect_columns(fitted["effect"]), dispersion=fitted["dispersion"],
                       model=fitted["model"],
                       verdict=did_verdict(intervention["measure"], fitted["effect"], trend,
                                           intervention["comparison"], caution))
    for row in (its, did):
        row["flags"] = "; ".join(flags)
        row["small_numbers"] = bool(flags)
    return [its, did]


def _mean(frame: pd.DataFrame, period: str) -> float | None:
    part = frame.loc[frame["period"] == period, "events"]
    return round(float(part.mean()), 2) if len(part) else None


def _interval(e: Estimate) -> tuple[float, float, float]:
    return round(e.rr, 4), round(e.lower, 4), round(e.upper, 4)


def _effect_columns(e: Estimate) -> dict:
    rr, lower, upper = _interval(e)
    return {"rate_ratio": rr, "ci_lower": lower, "ci_upper": upper, "p_value": e.p_value}


def _cannot_estimate(treated: pd.DataFrame, pre_months: int, post_months: int) -> str | None:
    if treated.empty:
        return "none of the covered places is in the LSOA lookups, or the measure has no data"
    if pre_months < 3 or post_months < 1:
        return (f"the data cover {pre_months} month(s) before the start and {post_months} "
                f"from it; at least 3 before and 1 from it are needed")
    if not treated.loc[treated["period"] == "pre", "events"].sum() or \
            not treated.loc[treated["period"] == "post", "events"].sum():
        return "no events before or no events since the start in the covered LSOAs"
    return None


def _cannot_compare(comparison: pd.DataFrame, pre_months: int) -> str | None:
    if comparison.empty:
        return "no comparison LSOAs"
    if not comparison.loc[comparison["period"] == "pre", "events"].sum() or \
            not comparison.loc[comparison["period"] == "post", "events"].sum():
        return "no events before or no events since the start in the comparison LSOAs"
    return None


TOTALS = {"treated_events_pre": "treated_mean_pre", "treated_events_post": "treated_mean_post",
          "comparison_events_pre": None, "comparison_events_post": None}


def suppress_small_totals(row: dict, threshold: float) -> None:
    """Totals from 1 to threshold-1 (victims and patients are people) are blanked, with the
    monthly mean that would give them back; the estimates stay."""
    hidden = False
    for total, mean in TOTALS.items():
        if 0 < row[total] < threshold:
            row[total] = None
            if mean:
                row[mean] = None
            hidden = True
    if hidden:
        note = f"totals under {threshold:g} suppressed"
        row["flags"] = f"{row['flags']}; {note}" if row["flags"] else note
        row["small_numbers"] = True


def build_evaluation(con: duckdb.DuckDBPyConnection) -> int:
    """assessment.intervention_effects: two rows per configured intervention (interrupted time
    series, difference in differences); returns the number of interventions evaluated."""
    interventions = con.execute("SELECT * FROM cfg.interventions ORDER BY intervention_id").df()
    series = con.execute("SELECT * FROM assessment.intervention_series").df()
    unknown = con.execute(  # small glue: the config's codes no lookup knows
        "SELECT u.intervention_id, string_agg(DISTINCT u.code, ', ' ORDER BY u.code) "
        "FROM cfg.intervention_units AS u WHERE NOT EXISTS (SELECT 1 FROM marts.dim_lsoa AS l "
        "WHERE (u.unit_type = 'lsoa' AND l.lsoa21_code = u.code) OR (u.unit_type = 'district' "
        "AND l.lad_code = u.code)) GROUP BY ALL").fetchall()
    unknown_codes = {number: codes.split(", ") for number, codes in unknown}
    rows = []
    for intervention in interventions.to_dict("records"):
        number = intervention["intervention_id"]
        rows += evaluate(intervention, series[series["intervention_id"] == number],
                         unknown_codes.get(number, []))
    threshold = con.execute("SELECT value FROM cfg.settings "
                            "WHERE key = 'suppression_threshold'").fetchall()[0][0]
    for row in rows:
        suppress_small_totals(row, threshold)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    con.register("svna_intervention_effects", frame)
    try:
        con.execute("CREATE OR REPLACE TABLE assessment.intervention_effects AS SELECT "
                    + ", ".join(f"{c}::{t} AS {c}" for c, t in COLUMNS.items())
                    + " FROM svna_intervention_effects")
    finally:
        con.unregister("svna_intervention_effects")
    return len(interventions)
