"""svna.stats against values worked out by hand (the arithmetic sits beside each one) or from
published tables, never by re-running the module's own formulas."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from svna.stats import (
    byar_ci,
    exact_poisson_ci,
    poisson_ci,
    rate_ci,
    relative_rate_index,
    xmr,
    xmr_summary,
)

HIGH, LOW, COMMON = "special cause (high)", "special cause (low)", "common cause"
MONTHS = pd.period_range("2024-05", periods=20, freq="M")  # 2024-05 .. 2025-12


def series(values, start="2024-05"):
    return pd.Series(values, index=pd.period_range(start, periods=len(values), freq="M"),
                     dtype=float)


def flagged(frame, column):
    return [i for i, flag in enumerate(frame[column]) if flag]


# --- Poisson intervals -------------------------------------------------------------------------

def test_byar_for_ten_events_by_hand():
    # z = 1.959964. Lower: 1/(9*10) = 0.011111; z/(3*sqrt 10) = 1.959964/9.486833 = 0.206598;
    # 1 - 0.011111 - 0.206598 = 0.782291; cubed 0.478745; x 10 = 4.7875.
    # Upper: 1/(9*11) = 0.010101; z/(3*sqrt 11) = 1.959964/9.949874 = 0.196984;
    # 1 - 0.010101 + 0.196984 = 1.186883; cubed 1.671951; x 11 = 18.391.
    lower, upper = byar_ci(10)
    assert lower == pytest.approx(4.7875, abs=2e-4)
    assert upper == pytest.approx(18.391, abs=2e-3)
    # ... about the published exact limits 4.795 to 18.39 (PHE confidence interval tables).
    assert lower == pytest.approx(4.795, rel=3e-3) and upper == pytest.approx(18.39, rel=1e-3)


def test_byar_for_no_events_by_hand():
    # Lower is 0. Upper: (0+1) * (1 - 1/9 + z/3)^3 = (0.888889 + 0.653321)^3 = 1.542210^3 = 3.6680,
    # a little under the exact 3.689 (= -ln 0.025): why Fingertips uses exact below 10.
    assert byar_ci(0) == (0.0, pytest.approx(3.6680, abs=2e-4))


def test_byar_at_90_percent_by_hand():
    # z = 1.644854. O = 25: 1/225 = 0.004444; z/15 = 0.109657; 1 - 0.004444 - 0.109657 = 0.885899;
    # cubed 0.695270; x 25 = 17.382.
    assert byar_ci(25, level=0.90)[0] == pytest.approx(17.382, abs=2e-3)


def test_byar_is_close_to_exact_for_large_counts():
    byar, exact = byar_ci(500), exact_poisson_ci(500)
    assert byar[0] == pytest.approx(exact[0], rel=1e-3)
    assert byar[1] == pytest.approx(exact[1], rel=1e-3)


def test_exact_limits_for_zero_and_one_event_in_closed_form():
    # P(X = 0 | mu) = exp(-mu): the upper limit for 0 events solves exp(-mu) = tail.
    assert exact_poisson_ci(0) == (0.0, pytest.approx(-math.log(0.025), rel=1e-9))  # 3.6889
    assert exact_poisson_ci(0, level=0.99)[1] == pytest.approx(-math.log(0.005), rel=1e-9)
    # P(X >= 1 | mu) = 1 - exp(-mu): the lower limit for 1 event solves it = tail.
    assert exact_poisson_ci(1)[0] == pytest.approx(-math.log(0.975), rel=1e-9)  # 0.025318
    assert exact_poisson_ci(1, level=0.90)[0] == pytest.approx(-math.log(0.95), rel=1e-9)


@pytest.mark.parametrize(("count", "lower", "upper"),
                         [(10, 4.795, 18.39), (25, 16.18, 36.90), (100, 81.36, 121.6)])
def test_exact_limits_match_published_tables(count, lower, upper):
    assert exact_poisson_ci(count) == (pytest.approx(lower, rel=1e-3),
                                       pytest.approx(upper, rel=1e-3))


def test_exact_limits_agree_with_the_sql_helper_at_95_percent():
    for count in (0, 3, 47):
        assert exact_poisson_ci(count) == (pytest.approx(poisson_ci(count, "lower")),
                                           pytest.approx(poisson_ci(count, "upper")))


def test_intervals_refuse_negative_counts_and_pass_missing_ones_through():
    with pytest.raises(ValueError):
        byar_ci(-1)
    with pytest.raises(ValueError):
        exact_poisson_ci(-1)
    with pytest.raises(ValueError):
        byar_ci(5, level=95)
    assert byar_ci(None) == (None, None)
    assert exact_poisson_ci(float("nan")) == (None, None)


def test_rate_with_exact_and_byar_limits():
    # 25 events in 50,000 people = 50 per 100,000; exact 16.18 to 36.90 events -> x 2 per 100,000.
    rate, lower, upper = rate_ci(25, 50_000)
    assert rate == pytest.approx(50.0)
    assert (lower, upper) == (pytest.approx(32.36, rel=1e-3), pytest.approx(73.81, rel=1e-3))
    # Byar: lower 25 * (1 - 0.004444 - 0.130664)^3 = 25 * 0.864892^3 = 16.174 -> 32.35;
    # upper 26 * (1 - 0.004274 + 0.128127)^3 = 26 * 1.123853^3 = 36.906 -> 73.81.
    rate, lower, upper = rate_ci(25, 50_000, method="byar")
    assert lower == pytest.approx(32.349, abs=5e-3)
    assert upper == pytest.approx(73.81, abs=1e-2)


def test_byar_rate_falls_back_to_exact_below_ten_events_as_fingertips_does():
    # 0 events in 1,000 per 1,000: the exact upper limit 3.689, not Byar's 3.668.
    assert rate_ci(0, 1_000, per=1_000, method="byar") == (
        0.0, 0.0, pytest.approx(-math.log(0.025), rel=1e-9))


def test_rate_without_a_population_is_missing():
    assert rate_ci(5, 0) == (None, None, None)
    assert rate_ci(None, 100) == (None, None, None)
    with pytest.raises(ValueError):
        rate_ci(5, 100, method="wald")


# --- Relative Rate Index ------------------------------------------------------------------------

def test_rri_for_rates_by_hand():
    # 60 in 10,000 = 6.0 per 1,000 against 300 in 100,000 = 3.0 per 1,000: RRI 2.0.
    # se(log RRI) = sqrt(1/60 + 1/300) = sqrt(0.016667 + 0.003333) = sqrt(0.02) = 0.141421;
    # exp(1.96 * 0.141421) = exp(0.277186) = 1.319405: 2 / 1.319405 = 1.5158, 2 * 1.319405 = 2.6388.
    result = relative_rate_index(60, 10_000, 300, 100_000)
    assert result["rri"] == pytest.approx(2.0)
    assert result["lower"] == pytest.approx(1.5158, abs=2e-4)
    assert result["upper"] == pytest.approx(2.6388, abs=2e-4)
    assert result["rate_a"] == pytest.approx(0.006) and result["rate_b"] == pytest.approx(0.003)
    assert result["reliable"] is True and result["reason"] is None


def test_rri_for_proportions_by_hand():
    # Outcome for 30 of 200 suspects (0.15) against 100 of 1,000 White suspects (0.10): RRI 1.5.
    # se = sqrt(1/30 - 1/200 + 1/100 - 1/1000) = sqrt(0.033333 - 0.005 + 0.01 - 0.001)
    #    = sqrt(0.037333) = 0.193218; exp(1.96 * 0.193218) = exp(0.378707) = 1.460367:
    # 1.5 / 1.460367 = 1.0271, 1.5 * 1.460367 = 2.1906.
    result = relative_rate_index(30, 200, 100, 1_000, kind="proportion")
    assert result["rri"] == pytest.approx(1.5)
    assert result["lower"] == pytest.approx(1.0271, abs=2e-4)
    assert result["upper"] == pytest.approx(2.1906, abs=2e-4)
    # The rate form ignores the denominators' share: sqrt(1/30 + 1/100) = 0.208167, wider.
    as_rate = relative_rate_index(30, 200, 100, 1_000)
    assert as_rate["lower"] == pytest.approx(1.5 / math.exp(1.96 * 0.208167), abs=2e-4)


def test_rri_with_few_events_is_flagged_but_still_given():
    # 7 in 1,000 against 300 in 100,000: 0.007 / 0.003 = 2.3333.
    result = relative_rate_index(7, 1_000, 300, 100_000)
    assert result["rri"] == pytest.approx(2.3333, abs=1e-4)
    assert result["lower"] is not None
    assert result["reliable"] is False and "fewer than 10" in result["reason"]
    assert relative_rate_index(7, 1_000, 300, 100_000, min_count=5)["reliable"] is True


def test_rri_with_zero_counts_or_denominators_has_no_limits():
    none_in_a = relative_rate_index(0, 1_000, 300, 100_000)
    assert none_in_a["rri"] == 0.0 and none_in_a["lower"] is None and none_in_a["upper"] is None
    assert none_in_a["reliable"] is False and "no events in group a" in none_in_a["reason"]
    none_in_reference = relative_rate_index(20, 1_000, 0, 100_000)
    assert none_in_reference["rri"] is None and none_in_reference["upper"] is None
    assert "reference" in none_in_reference["reason"]
    no_people = relative_rate_index(20, 0, 300, 100_000)
    assert no_people["rri"] is None and no_people["reliable"] is False
    assert "pop_a is 0" in no_people["reason"]


def test_rri_refuses_impossible_inputs():
    with pytest.raises(ValueError):
        relative_rate_index(30, 20, 100, 1_000, kind="proportion")  # 30 of 20 suspects
    with pytest.raises(ValueError):
        relative_rate_index(-1, 20, 100, 1_000)
    with pytest.raises(ValueError):
        relative_rate_index(1, 20, 100, 1_000, kind="odds")


# --- XmR charts ---------------------------------------------------------------------------------

ALTERNATING = [10, 12] * 10  # mean 11; 19 moving ranges of 2, mean 2


def test_xmr_stable_series_has_the_textbook_limits_and_no_signals():
    # Limits 11 +/- 2.66 * 2 = 5.68 to 16.32; near limits 11 +/- (2/3) * 2.66 * 2 = 11 +/- 3.5467.
    frame = xmr(series(ALTERNATING))
    assert list(frame.columns[:11]) == [
        "value", "mean", "moving_range", "upper_limit", "lower_limit", "upper_two_sigma",
        "lower_two_sigma", "outside_limits", "shift", "trend", "two_of_three"]
    assert frame["mean"].iloc[0] == 11
    assert math.isnan(frame["moving_range"].iloc[0]) and set(frame["moving_range"][1:]) == {2}
    assert frame["upper_limit"].iloc[0] == pytest.approx(16.32)
    assert frame["lower_limit"].iloc[0] == pytest.approx(5.68)
    assert frame["upper_two_sigma"].iloc[0] == pytest.approx(14.5467, abs=1e-4)
    assert frame["lower_two_sigma"].iloc[0] == pytest.approx(7.4533, abs=1e-4)
    for rule in ("outside_limits", "shift", "trend", "two_of_three"):
        assert not frame[rule].any(), rule
    assert set(frame["variation"]) == {COMMON}


def test_xmr_point_beyond_the_upper_limit():
    # Point 9 (a 12) becomes 20: mean 228 / 20 = 11.4. Moving ranges 10 and 10 either side of it,
    # 17 of 2: mean 54 / 19 = 2.842; screen 3.267 * 2.842 = 9.285 drops both 10s: mean MR 2.
    # Upper limit 11.4 + 5.32 = 16.72 < 20.
    values = ALTERNATING.copy()
    values[9] = 20
    frame = xmr(series(values))
    assert frame.attrs["mean_moving_range"] == pytest.approx(2.0)
    assert frame.attrs["screened_moving_ranges"] == 2
    assert frame["upper_limit"].iloc[0] == pytest.approx(16.72)
    assert flagged(frame, "outside_limits") == [9]
    assert frame["variation"].iloc[9] == HIGH
    assert (frame["variation"].drop(frame.index[9]) == COMMON).all()


def test_xmr_point_below_the_lower_limit_when_limits_may_be_negative():
    # Point 10 (a 10) becomes 2: mean 212 / 20 = 10.6; its ranges of 10 are screened, mean MR 2;
    # lower limit 10.6 - 5.32 = 5.28 > 2.
    values = ALTERNATING.copy()
    values[10] = 2
    frame = xmr(series(values), non_negative=False)
    assert frame["lower_limit"].iloc[0] == pytest.approx(5.28)
    assert flagged(frame, "outside_limits") == [10]
    assert frame["variation"].iloc[10] == LOW


def test_xmr_lower_lines_floor_at_zero_for_counts():
    # 0, 2 alternating: mean 1, MR 2: lower limit 1 - 5.32 < 0, near limit 1 - 3.547 < 0.
    floored = xmr(series([0, 2] * 10))
    assert floored["lower_limit"].iloc[0] == 0 and floored["lower_two_sigma"].iloc[0] == 0
    free = xmr(series([0, 2] * 10), non_negative=False)
    assert free["lower_limit"].iloc[0] == pytest.approx(-4.32)


# Seven 12s at points 6-12 with 10s at 5 and 13: 8 tens + 12 twelves = 224, mean 11.2.
# Moving ranges: eleven of 2, eight of 0 = 22 / 19 = 1.158: near limits 11.2 +/- 2.053
# = 9.147 to 13.253 and the 10s and 12s are inside them.
SHIFT_7 = [10, 12, 10, 12, 10, 10, 12, 12, 12, 12, 12, 12, 12, 10, 10, 12, 10, 12, 10, 12]
# Six 12s at points 6-11: 9 tens + 11 twelves = 222, mean 11.1; the same eleven ranges of 2.
SHIFT_6 = [10, 12, 10, 12, 10, 10, 12, 12, 12, 12, 12, 12, 10, 10, 10, 12, 10, 12, 10, 12]


def test_xmr_shift_of_seven_points_above_the_mean():
    frame = xmr(series(SHIFT_7))
    assert frame["mean"].iloc[0] == pytest.approx(11.2)
    assert flagged(frame, "shift") == [6, 7, 8, 9, 10, 11, 12]
    assert [frame["variation"].iloc[i] for i in range(6, 13)] == [HIGH] * 7
    assert not frame[["outside_limits", "trend", "two_of_three"]].any().any()


def test_xmr_run_of_six_is_not_a_shift():
    frame = xmr(series(SHIFT_6))
    assert frame["mean"].iloc[0] == pytest.approx(11.1)
    assert not frame["shift"].any()
    assert set(frame["variation"]) == {COMMON}


def test_xmr_a_point_on_the_mean_breaks_a_run():
    # Mean (4*12 + 11 + 3*12 + 4*10 + 11 + 3*10) / 16 = 176 / 16 = 11: the 11s sit on it.
    broken = xmr(series([12] * 4 + [11] + [12] * 3 + [10] * 4 + [11] + [10] * 3))
    assert broken["mean"].iloc[0] == 11 and not broken["shift"].any()
    # Without them: eight 12s then eight 10s, mean 11, two runs of 8.
    assert xmr(series([12] * 8 + [10] * 8))["shift"].all()
    # Eight points on the mean (8 * 11 + 4 * 10 + 4 * 12 = 176 = 16 * 11) are no run either.
    assert not xmr(series([11] * 8 + [10, 12] * 4))["shift"].any()


# Points 6-12 rise 9, 9.5, ..., 12 (7 points, 6 rises); 5 -> 6 falls (12 -> 9), 12 -> 13 falls.
# Sum 66 + 73.5 + 76 = 215.5, mean 10.775. Moving ranges: 5 + 6 + 1 of 2 = 24, one of 3, six of
# 0.5 = 30 / 19 = 1.579; near limits 10.775 +/- 2.8 = 7.975 to 13.575: nothing beyond them; the
# longest stretch on one side is 9, 9.5, 10, 10.5 below the mean.
TREND_7 = [10, 12, 10, 12, 10, 12, 9, 9.5, 10, 10.5, 11, 11.5, 12, 10, 12, 10, 12, 10, 12, 10]


def test_xmr_trend_of_seven_rising_points():
    frame = xmr(series(TREND_7))
    assert frame["mean"].iloc[0] == pytest.approx(10.775)
    assert flagged(frame, "trend") == [6, 7, 8, 9, 10, 11, 12]
    # A trend's direction decides, also for its points below the mean.
    assert [frame["variation"].iloc[i] for i in range(6, 13)] == [HIGH] * 7
    assert not frame[["outside_limits", "shift", "two_of_three"]].any().any()


def test_xmr_falling_trend_is_low():
    mirrored = [22 - v for v in TREND_7]  # 13, 12.5, ..., 10 at points 6-12
    frame = xmr(series(mirrored))
    assert flagged(frame, "trend") == [6, 7, 8, 9, 10, 11, 12]
    assert frame["variation"].iloc[12] == LOW


def test_xmr_six_rising_points_or_a_tie_is_no_trend():
    six = TREND_7.copy()
    six[6] = 10  # 12 -> 10 -> 9.5 falls, so the rise is 9.5 ... 12, six points
    assert not xmr(series(six))["trend"].any()
    tied = TREND_7[:9] + [10] + TREND_7[9:-1]  # 9, 9.5, 10, 10, 10.5, ...: the tie breaks it
    assert not xmr(series(tied))["trend"].any()


def test_xmr_two_of_three_beyond_the_upper_near_limit():
    # Points 9 and 11 (12s) become 18: mean 232 / 20 = 11.6. Ranges: four of 8 and fifteen of 2
    # = 62 / 19 = 3.263 (screen 10.66 keeps all). Near limit 11.6 + 1.7733 * 3.263 = 17.387 < 18;
    # upper limit 11.6 + 2.66 * 3.263 = 20.28 > 18.
    values = ALTERNATING.copy()
    values[9] = values[11] = 18
    frame = xmr(series(values))
    assert frame["upper_two_sigma"].iloc[0] == pytest.approx(17.387, abs=1e-3)
    assert flagged(frame, "two_of_three") == [9, 11]
    assert not frame["outside_limits"].any()
    assert frame["variation"].iloc[9] == frame["variation"].iloc[11] == HIGH
    assert frame["variation"].iloc[10] == COMMON


def test_xmr_one_point_beyond_the_near_limit_is_not_two_of_three():
    # Point 9 alone at 18: mean 11.3, ranges 8, 8 and seventeen of 2 = 50 / 19 = 2.632; near limit
    # 11.3 + 4.667 = 15.967 < 18 < 11.3 + 7.0 = 18.3, the upper limit.
    values = ALTERNATING.copy()
    values[9] = 18
    frame = xmr(series(values))
    assert frame["value"].iloc[9] > frame["upper_two_sigma"].iloc[0]
    assert not frame["two_of_three"].any() and not frame["outside_limits"].any()


def test_xmr_moving_range_screening_drops_one_big_jump():
    # Ten points alternating 10, 12 then ten alternating 30, 32: mean (110 + 310) / 20 = 21.
    # Ranges: eighteen of 2 and the jump 12 -> 30 of 18: mean 54 / 19 = 2.842. The screen
    # 3.267 * 2.842 = 9.285 excludes the 18: mean MR 36 / 18 = 2, limits 21 +/- 5.32.
    values = [10, 12] * 5 + [30, 32] * 5
    frame = xmr(series(values))
    assert frame.attrs["mean_moving_range"] == pytest.approx(2.0)
    assert frame["upper_limit"].iloc[0] == pytest.approx(26.32)
    assert frame["moving_range"].iloc[10] == 18  # still shown on the chart
    # Unscreened: 21 + 2.66 * 54 / 19 = 21 + 7.56 = 28.56.
    unscreened = xmr(series(values), screen_moving_ranges=False)
    assert unscreened["upper_limit"].iloc[0] == pytest.approx(28.56)


def test_xmr_baseline_fixes_the_limits_from_the_first_points():
    # Twelve points alternating 10, 12 (mean 11, MR 2, limits 5.68 to 16.32) then eight of 20, 22.
    values = [10, 12] * 6 + [20, 22] * 4
    frame = xmr(series(values), baseline_periods=12)
    assert (frame["mean"] == 11).all()
    assert frame["upper_limit"].iloc[-1] == pytest.approx(16.32)
    assert flagged(frame, "outside_limits") == list(range(12, 20))
    # The 12 at point 11 is above 11 too: a run of 9 from point 11.
    assert flagged(frame, "shift") == list(range(11, 20))
    # Over all 20: mean (132 + 168) / 20 = 15; the jump's range of 8 is screened (7.57), MR 2:
    # upper limit 20.32, so only the 22s are outside.
    whole = xmr(series(values))
    assert whole["upper_limit"].iloc[0] == pytest.approx(20.32)
    assert flagged(whole, "outside_limits") == [13, 15, 17, 19]


def test_xmr_needs_twelve_points_for_limits():
    frame = xmr(series(ALTERNATING[:11]))
    assert frame["upper_limit"].isna().all() and frame["lower_two_sigma"].isna().all()
    assert not frame[["outside_limits", "shift", "trend", "two_of_three"]].any().any()
    assert frame["variation"].isna().all()
    assert "at least 12" in frame["note"].iloc[0]
    assert frame["value"].tolist() == ALTERNATING[:11]
    # A baseline shorter than 12 points is refused the same way.
    assert xmr(series(ALTERNATING), baseline_periods=8)["upper_limit"].isna().all()
    assert xmr(series(ALTERNATING[:12]))["upper_limit"].notna().all()


def test_xmr_refuses_gaps_and_disorder():
    with pytest.raises(ValueError):
        xmr(series([1.0, None] * 6))
    with pytest.raises(ValueError):
        xmr(series(ALTERNATING)[::-1])
    with pytest.raises(ValueError):
        xmr(series(ALTERNATING), baseline_periods=21)


def test_summary_for_common_cause():
    summary = xmr_summary(xmr(series(ALTERNATING)))
    assert summary["period"] == "2025-12" and summary["variation"] == COMMON
    assert summary["sentence"] == ("The latest month (2025-12, 12) is within the expected range "
                                   "(5.68 to 16.3): no special cause variation.")


def test_summary_with_thousands():
    # 800, 900 alternating: mean 850, MR 100 -> limits 850 +/- 266 = 584 to 1,116.
    summary = xmr_summary(xmr(series([800, 900] * 10, start="2024-05")))
    assert summary["sentence"] == ("The latest month (2025-12, 900) is within the expected range "
                                   "(584 to 1,116): no special cause variation.")


def test_summary_for_a_shift():
    # 12, 10 x 6 then eight 12s (2025-05 .. 2025-12): mean 228 / 20 = 11.4; ranges eleven of 2 +
    # one of 2 (10 -> 12) + seven of 0 = 24 / 19 = 1.263; upper limit 14.76, near limit 13.64.
    summary = xmr_summary(xmr(series([12, 10] * 6 + [12] * 8)))
    assert summary["variation"] == HIGH and summary["signals"] == ["shift"]
    assert summary["sentence"] == ("Special cause variation: a run of 8 months above the average "
                                   "since 2025-05.")


def test_summary_for_a_point_beyond_the_limit():
    # As the single-point example but at the end: upper limit 11.4 + 5.32 = 16.72.
    values = ALTERNATING.copy()
    values[-1] = 20
    summary = xmr_summary(xmr(series(values)))
    assert summary["sentence"] == ("Special cause variation: the latest month (2025-12, 20) is "
                                   "above the upper process limit (16.7).")


def test_summary_for_too_few_points():
    summary = xmr_summary(xmr(series(ALTERNATING[:8])))
    assert summary["variation"] is None
    assert summary["sentence"] == ("Too few points for control limits: 8, Making Data Count "
                                   "needs at least 12.")
