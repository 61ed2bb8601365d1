"""Statistics for the needs assessment, each following a published method so that the figures
can be checked against the source: Poisson intervals for counts and rates (OHID Fingertips),
the Relative Rate Index for disproportionality (MoJ / YJB), and XmR charts (NHS England's
Making Data Count). Pure functions of plain numbers or pandas objects."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

# Counts below this give unstable rates and ratios: one or two events move them a lot, and the
# normal approximation behind log-method intervals is poor. ONS and OHID do not publish rates on
# fewer than 10 events, and Fingertips switches from Byar's to the exact interval below 10.
MIN_RELIABLE_COUNT = 10

# XmR constants (Making Data Count; Wheeler): 2.66 = 3 / d2 with d2 = 1.128 for ranges of two
# points; 3.267 = D4, the upper range limit of the moving range chart.
XMR_LIMIT = 2.66
XMR_NEAR_LIMIT = 2 / 3 * XMR_LIMIT
MR_SCREEN = 3.267
XMR_MIN_POINTS = 12
XMR_RUN = 7

HIGH, LOW, COMMON = "special cause (high)", "special cause (low)", "common cause"


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    return float(stats.norm.ppf(0.5 + level / 2))


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _check_count(count: float) -> None:
    if count < 0:
        raise ValueError(f"a count cannot be negative: {count}")


def byar_ci(count: float | None, level: float = 0.95) -> tuple[float | None, float | None]:
    """Byar's approximation to the exact Poisson interval for a count (Breslow & Day 1987, as
    used by OHID Fingertips). Close to exact from about 10 events; use exact_poisson_ci below
    that. Missing counts give (None, None)."""
    if _missing(count):
        return None, None
    _check_count(count)
    z = _z(level)
    if count == 0:
        lower = 0.0
    else:
        lower = count * max(0.0, 1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    after = count + 1
    upper = after * (1 - 1 / (9 * after) + z / (3 * math.sqrt(after))) ** 3
    return lower, upper


def exact_poisson_ci(count: float | None, level: float = 0.95) -> tuple[float | None, float | None]:
    """Exact (Garwood 1936) Poisson interval for a count from chi-squared quantiles; the same
    limits as poisson_ci (which SQL calls) at 95%, for any level."""
    if _missing(count):
        return None, None
    _check_count(count)
    _z(level)  # validates the level
    tail = (1 - level) / 2
    lower = 0.0 if count == 0 else float(stats.chi2.ppf(tail, 2 * count) / 2)
    upper = float(stats.chi2.ppf(1 - tail, 2 * (count + 1)) / 2)
    return lower, upper


def rate_ci(count: float | None, population: float | None, per: float = 100_000,
            method: str = "exact", level: float = 0.95
            ) -> tuple[float | None, float | None, float | None]:
    """A crude rate per `per` people with its interval, treating the population as fixed.
    method="byar" follows Fingertips: Byar's method from 10 events, exact below 10 (where Byar
    is poor). No rate (all None) without a count or a population."""
    if method not in ("exact", "byar"):
        raise ValueError(f"method must be 'exact' or 'byar', not {method!r}")
    if _missing(count) or _missing(population) or population == 0:
        return None, None, None
    if population < 0:
        raise ValueError(f"a population cannot be negative: {population}")
    use_byar = method == "byar" and count >= MIN_RELIABLE_COUNT
    lower, upper = (byar_ci if use_byar else exact_poisson_ci)(count, level)
    scale = per / population
    return count * scale, lower * scale, upper * scale


def relative_rate_index(a: float, pop_a: float, b: float, pop_b: float, level: float = 0.95,
                        kind: str = "rate", min_count: int = MIN_RELIABLE_COUNT) -> dict:
    """The rate of group a over the rate of the reference group b (usually White): the Relative
    Rate Index of the MoJ / YJB disproportionality toolkit and HMICFRS's stop and search work.
    Its interval is the log (Katz) method (Morris & Gardner 1988): se(log RRI) is
    sqrt(1/a + 1/b) for event counts over populations (kind="rate", Poisson counts) and
    sqrt(1/a - 1/pop_a + 1/b - 1/pop_b) for a of pop_a people having an outcome
    (kind="proportion", binomial counts).

    Returns rri, lower, upper, rate_a, rate_b, reliable and reason (why it is not reliable:
    fewer than `min_count` events in a group, a zero count, or a zero denominator). A zero count
    makes the index zero or undefined and its log interval undefined, so the limits are None."""
    if kind not in ("rate", "proportion"):
        raise ValueError(f"kind must be 'rate' or 'proportion', not {kind!r}")
    for name, value in (("a", a), ("pop_a", pop_a), ("b", b), ("pop_b", pop_b)):
        if _missing(value) or value < 0:
            raise ValueError(f"{name} must be a non-negative number, not {value}")
    if kind == "proportion" and (a > pop_a or b > pop_b):
        raise ValueError("a proportion's count cannot exceed its denominator")
    z = _z(level)
    result = {"rri": None, "lower": None, "upper": None, "rate_a": None, "rate_b": None,
              "reliable": False, "reason": None}
    empty = [f"{name} is 0" for name, value in (("pop_a", pop_a), ("pop_b", pop_b)) if value == 0]
    if empty:
        result["reason"] = "no denominator: " + " and ".join(empty)
        return result
    result["rate_a"], result["rate_b"] = a / pop_a, b / pop_b
    reasons = []
    if b == 0:
        reasons.append("no events in the reference group: the index is undefined")
    elif a == 0:
        result["rri"] = 0.0
        reasons.append("no events in group a: the index is 0 and its interval undefined")
    else:
        rri = result["rate_a"] / result["rate_b"]
        if kind == "rate":
            se = math.sqrt(1 / a + 1 / b)
        else:
            se = math.sqrt(1 / a - 1 / pop_a + 1 / b - 1 / pop_b)
        result.update(rri=rri, lower=rri * math.exp(-z * se), upper=rri * math.exp(z * se))
    small = [f"{name} = {value:g}" for name, value in (("a", a), ("b", b)) if 0 < value < min_count]
    if small:
        reasons.append(f"fewer than {min_count} events ({', '.join(small)}): too few for a "
                       "stable index")
    result["reliable"] = not reasons
    result["reason"] = "; ".join(reasons) or None
    return result


def _runs(labels: np.ndarray):
    """(start, stop, label) for each stretch of equal labels."""
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            yield start, i, labels[start]
            start = i


def xmr(values: pd.Series, baseline_periods: int | None = None, non_negative: bool = True,
        screen_moving_ranges: bool = True) -> pd.DataFrame:
    """An XmR (individuals) chart with the special cause rules of NHS England's Making Data
    Count: limits at mean +/- 2.66 x mean moving range, near limits at two thirds of that,
    and four rules (a point beyond a limit; a shift of 7+ points on one side of the mean; a
    trend of 7+ points rising or falling; two of three beyond the same near limit).

    Moving ranges above 3.267 x their mean (one-off jumps) are left out of the mean moving range
    by default, as Making Data Count does, so that a single jump does not widen the limits.
    baseline_periods fixes the mean and limits from the first N points (recalculation). Limits
    need at least 12 points (MDC's minimum); with fewer, limits are NaN, rules False and `note`
    says why. Lower lines are floored at 0 when non_negative (counts). The mean moving range
    and the number of screened ranges are in frame.attrs."""
    if not isinstance(values, pd.Series):
        raise TypeError("xmr needs a pandas Series indexed by period")
    if values.isna().any():
        raise ValueError("xmr needs a value for every period: fill or drop the gaps first")
    if not (values.index.is_unique and values.index.is_monotonic_increasing):
        raise ValueError("the periods must be unique and in time order")
    x = values.to_numpy(dtype=float)
    n = len(x)
    if n == 0:
        raise ValueError("xmr needs at least one value")
    base = n if baseline_periods is None else baseline_periods
    if not 1 <= base <= n:
        raise ValueError(f"baseline_periods must be between 1 and {n}, not {baseline_periods}")

    moving_range = np.abs(np.diff(x, prepend=np.nan))
    mean = float(x[:base].mean())
    frame = pd.DataFrame({"value": x, "mean": mean, "moving_range": moving_range},
                         index=values.index)
    lines = ("upper_limit", "lower_limit", "upper_two_sigma", "lower_two_sigma")
    rules = ("outside_limits", "shift", "trend", "two_of_three")
    if base < XMR_MIN_POINTS:
        for line in lines:
            frame[line] = math.nan
        for rule in rules:
            frame[rule] = False
        frame["variation"] = None
        which = "points" if baseline_periods is None else "baseline points"
        frame["note"] = (f"too few {which} for control limits: {base}, Making Data Count "
                         f"needs at least {XMR_MIN_POINTS}")
        return frame

    base_ranges = moving_range[1:base]
    mean_mr = float(base_ranges.mean())
    screened = 0
    if screen_moving_ranges:
        kept = base_ranges[base_ranges <= MR_SCREEN * mean_mr]
        screened = len(base_ranges) - len(kept)
        mean_mr = float(kept.mean())
    floor = 0.0 if non_negative else -math.inf
    upper, upper_near = mean + XMR_LIMIT * mean_mr, mean + XMR_NEAR_LIMIT * mean_mr
    lower = max(floor, mean - XMR_LIMIT * mean_mr)
    lower_near = max(floor, mean - XMR_NEAR_LIMIT * mean_mr)
    frame["upper_limit"], frame["lower_limit"] = upper, lower
    frame["upper_two_sigma"], frame["lower_two_sigma"] = upper_near, lower_near

    side = np.sign(x - mean)
    outside = (x > upper) | (x < lower)

    shift = np.zeros(n, dtype=bool)
    for start, stop, label in _runs(side):
        if label != 0 and stop - start >= XMR_RUN:
            shift[start:stop] = True

    # A trend of k points is k - 1 steps the same way; ties (step 0) break it. A point that ends
    # one trend and starts the opposite one (a peak or trough) keeps the first trend's direction.
    trend, trend_direction = np.zeros(n, dtype=bool), np.zeros(n)
    for start, stop, label in _runs(np.sign(np.diff(x))):
        if label != 0 and stop - start >= XMR_RUN - 1:
            trend[start:stop + 1] = True
            points = slice(start, stop + 1)
            trend_direction[points] = np.where(trend_direction[points] == 0, label,
                                               trend_direction[points])

    two_of_three = np.zeros(n, dtype=bool)
    for beyond in (x > upper_near, x < lower_near):
        for i in range(n - 2):
            if beyond[i:i + 3].sum() >= 2:
                two_of_three[i:i + 3] |= beyond[i:i + 3]

    # Which way: the side of the mean for the rules about position, the direction for a trend
    # that is the only rule a point breaks.
    by_side = outside | shift | two_of_three
    direction = np.where(by_side, side, np.where(trend, trend_direction, 0))
    frame["outside_limits"], frame["shift"] = outside, shift
    frame["trend"], frame["two_of_three"] = trend, two_of_three
    frame["variation"] = np.select([direction > 0, direction < 0], [HIGH, LOW], COMMON)
    frame["note"] = None
    frame.attrs.update(mean_moving_range=mean_mr, screened_moving_ranges=screened,
                       baseline_periods=base)
    return frame


def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _period(period, unit: str) -> str:
    if isinstance(period, pd.Timestamp):
        return period.strftime("%Y-%m") if unit == "month" else period.date().isoformat()
    return str(period)


def _run_back(labels: np.ndarray) -> int:
    """How many of the last labels equal the final one."""
    last, count = labels[-1], 0
    for label in labels[::-1]:
        if label != last:
            break
        count += 1
    return count


def xmr_summary(frame: pd.DataFrame, unit: str = "month") -> dict:
    """The latest point's variation and one plain-English sentence about it for the report,
    from an xmr() frame. `unit` names the period ("month", "quarter", "year")."""
    if frame.empty:
        raise ValueError("an empty chart has no latest point")
    latest = frame.iloc[-1]
    period = _period(frame.index[-1], unit)
    value = float(latest["value"])
    summary = {"period": period, "value": value, "variation": latest["variation"],
               "signals": [], "sentence": None}
    if pd.isna(latest["upper_limit"]):
        note = latest["note"]
        summary["sentence"] = note[0].upper() + note[1:] + "."
        return summary
    units = f"{unit}s"
    signals, parts = [], []
    if latest["outside_limits"]:
        signals.append("outside_limits")
        where = ("above the upper process limit", latest["upper_limit"])
        if value < latest["mean"]:
            where = ("below the lower process limit", latest["lower_limit"])
        parts.append(f"the latest {unit} ({period}, {_number(value)}) is {where[0]} "
                     f"({_number(where[1])})")
    if latest["shift"]:
        signals.append("shift")
        length = _run_back(np.sign(frame["value"].to_numpy() - latest["mean"]))
        side = "above" if value > latest["mean"] else "below"
        start = _period(frame.index[-length], unit)
        parts.append(f"a run of {length} {units} {side} the average since {start}")
    if latest["trend"]:
        signals.append("trend")
        steps = np.sign(np.diff(frame["value"].to_numpy()))
        length = _run_back(steps) + 1
        way = "rising" if steps[-1] > 0 else "falling"
        start = _period(frame.index[-length], unit)
        parts.append(f"a {way} trend over {length} {units} since {start}")
    if latest["two_of_three"]:
        signals.append("two_of_three")
        high = value > latest["mean"]
        line = latest["upper_two_sigma"] if high else latest["lower_two_sigma"]
        parts.append(f"two of the latest three {units} are beyond the "
                     f"{'upper' if high else 'lower'} two-sigma line ({_number(line)})")
    summary["signals"] = signals
    if parts:
        summary["sentence"] = "Special cause variation: " + "; ".join(parts) + "."
    else:
        summary["sentence"] = (
            f"The latest {unit} ({period}, {_number(value)}) is within the expected range "
            f"({_number(latest['lower_limit'])} to {_number(latest['upper_limit'])}): "
            "no special cause variation.")
    return summary


# --- the 95% intervals the SQL models call (registered in svna.models) ----------------

def poisson_ci(count: float | None, bound: str) -> float | None:
    """One exact 95% limit ("lower" or "upper") of a Poisson count, for SQL."""
    if count is None or count < 0:
        return None
    return exact_poisson_ci(count)[0 if bound == "lower" else 1]


def ratio_ci(a: float | None, b: float | None, bound: str) -> float | None:
    """Exact 95% limits for the ratio of two Poisson counts a/b (equal exposure), from the
    Clopper-Pearson interval of a's share of a+b (the conditional binomial method)."""
    if a is None or b is None or a < 0 or b < 0 or a + b == 0:
        return None
    if bound == "lower":
        p = 0.0 if a == 0 else stats.beta.ppf(0.025, a, b + 1)
    else:
        p = 1.0 if b == 0 else stats.beta.ppf(0.975, a + 1, b)
    return None if p >= 1 else float(p / (1 - p))


def proportion_ci(k: float | None, n: float | None, bound: str) -> float | None:
    """One exact (Clopper-Pearson) 95% limit of the proportion k/n, for SQL."""
    if k is None or n is None or n <= 0 or not 0 <= k <= n:
        return None
    if bound == "lower":
        return 0.0 if k == 0 else float(stats.beta.ppf(0.025, k, n - k + 1))
    return 1.0 if k == n else float(stats.beta.ppf(0.975, k + 1, n - k))
