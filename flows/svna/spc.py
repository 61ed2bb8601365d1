"""Statistical process control of the monthly series (XmR charts with NHS "Making Data Count"
rules), so that a board can tell a real change from noise. The charts' arithmetic lives in
svna.stats; this writes them into the warehouse beside the SQL-built assessment tables."""

from __future__ import annotations

import duckdb
import pandas as pd

from svna.stats import xmr

# series name -> the area-level monthly counts it charts (from the assessment tables)
SERIES = {
    "Serious violence (police.uk categories)":
        "SELECT month, incidents AS value FROM assessment.monthly_trend "
        "WHERE geography_level = 'area' AND category = 'Serious violence' ORDER BY month",
    "Serious violence (force extract)":
        "SELECT month, offences AS value FROM assessment.force_monthly "
        "WHERE geography_level = 'area' AND measure = 'Serious violence' ORDER BY month",
    "Knife or sharp instrument serious violence (force extract)":
        "SELECT month, offences AS value FROM assessment.force_monthly WHERE geography_level "
        "= 'area' AND measure = 'Knife or sharp instrument serious violence' ORDER BY month",
}
COLUMNS = ["series", "month", "value", "mean", "upper_limit", "lower_limit",
           "upper_two_sigma", "lower_two_sigma", "outside_limits", "shift", "trend",
           "two_of_three", "variation", "note"]


def build_spc(con: duckdb.DuckDBPyConnection) -> int:
    """assessment.spc: one row per series and month; returns the number of series charted."""
    charts = []
    for name, sql in SERIES.items():
        values = con.execute(sql).df()
        if values.empty:
            continue
        chart = xmr(values.set_index("month")["value"].astype(float))
        charts.append(chart.reset_index(names="month").assign(series=name))
    frame = pd.concat(charts, ignore_index=True)[COLUMNS] if charts \
        else pd.DataFrame(columns=COLUMNS)
    con.register("svna_spc", frame)
    try:
        con.execute(  # types stated: a column of all-missing values would have none
            "CREATE OR REPLACE TABLE assessment.spc AS SELECT series::VARCHAR AS series, "
            "month::VARCHAR AS month, value::DOUBLE AS value, mean::DOUBLE AS mean, "
            "upper_limit::DOUBLE AS upper_limit, lower_limit::DOUBLE AS lower_limit, "
            "upper_two_sigma::DOUBLE AS upper_two_sigma, "
            "lower_two_sigma::DOUBLE AS lower_two_sigma, outside_limits::BOOLEAN AS "
            "outside_limits, shift::BOOLEAN AS shift, trend::BOOLEAN AS trend, "
            "two_of_three::BOOLEAN AS two_of_three, variation::VARCHAR AS variation, "
            "note::VARCHAR AS note FROM svna_spc")
    finally:
        con.unregister("svna_spc")
    return len(charts)
