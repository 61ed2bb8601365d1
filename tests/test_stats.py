"""The exact intervals behind every rate and change, against published and independent values."""

import pytest
from scipy import stats

from svna.stats import poisson_ci, ratio_ci

# Exact (Garwood) 95% limits for a Poisson count, as tabulated in the published tables
# (e.g. the Public Health England confidence interval tool).
PUBLISHED = [(0, 0.0, 3.689), (1, 0.0253, 5.572), (2, 0.2422, 7.225), (5, 1.623, 11.67),
             (10, 4.795, 18.39), (20, 12.22, 30.89), (100, 81.36, 121.6)]


@pytest.mark.parametrize(("count", "lower", "upper"), PUBLISHED)
def test_poisson_limits_match_published_tables(count, lower, upper):
    assert poisson_ci(count, "lower") == pytest.approx(lower, rel=2e-3, abs=1e-4)
    assert poisson_ci(count, "upper") == pytest.approx(upper, rel=2e-3)


def test_poisson_limits_refuse_missing_or_negative_counts():
    assert poisson_ci(None, "lower") is None
    assert poisson_ci(-1, "upper") is None


@pytest.mark.parametrize(("a", "b"), [(100, 100), (130, 100), (7, 3), (1, 12), (0, 5)])
def test_ratio_limits_agree_with_the_f_distribution_form(a, b):
    # The exact conditional interval written with F quantiles (an independent derivation).
    lower = 0.0 if a == 0 else (a / (b + 1)) / stats.f.ppf(0.975, 2 * (b + 1), 2 * a)
    upper = ((a + 1) / b) * stats.f.ppf(0.975, 2 * (a + 1), 2 * b)
    assert ratio_ci(a, b, "lower") == pytest.approx(lower, rel=1e-6)
    assert ratio_ci(a, b, "upper") == pytest.approx(upper, rel=1e-6)


def test_ratio_interval_brackets_one_for_equal_counts_and_excludes_it_for_a_big_rise():
    assert ratio_ci(100, 100, "lower") < 1 < ratio_ci(100, 100, "upper")
    assert ratio_ci(200, 100, "lower") > 1


def test_ratio_without_a_previous_count_has_no_upper_limit():
    assert ratio_ci(5, 0, "upper") is None
    assert ratio_ci(0, 0, "lower") is None
