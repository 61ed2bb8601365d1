"""The disclosure audit: what an attacker holding every published table can work out."""

import pandas as pd
from test_suppression import outcome22_tables

from svna import disclosure, exports

NOT_BUILT = pd.DataFrame()  # a table the warehouse lacks: no columns


def searches(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["geography_code", "value", "searches"])
    is_area = frame["geography_code"] == "Area"
    return frame.assign(geography_level=is_area.map({True: "area", False: "district"}),
                        geography_name=frame["geography_code"],
                        geography_order=is_area.map({True: 0, False: 1}),
                        dimension="Object of search", share_pct=0.0)


def with_searches(rows) -> dict[str, pd.DataFrame]:
    return {"stop_search": searches(rows), "disproportionality": NOT_BUILT,
            "suspect_outcomes": NOT_BUILT}


def test_a_count_given_back_by_another_table_is_found():
    """suspect_outcomes and disproportionality suppressed one at a time: Black's outcome 22
    (6) hidden in one is shown in the other, and with the group's 59 suspects (the
    denominator) gives back the other out-of-court 3 too."""
    frames = {**outcome22_tables(), "stop_search": NOT_BUILT}
    alone = {"disproportionality": exports.suppress_for_publication(
        frames["disproportionality"], exports.published_table("disproportionality"), 5)}
    alone["suspect_outcomes"] = exports.suppress_for_publication(
        frames["suspect_outcomes"], exports.published_table("suspect_outcomes"), 5, alone)
    alone["stop_search"] = NOT_BUILT
    found = {(e.row["value"], e.row["outcome_group"], e.value, e.low, e.high)
             for e in disclosure.audit(frames, 5, alone) if e.exact}
    assert found == {("Black", "Outcome 22 (diversion)", 6, 6, 6),
                     ("Black", "Other out-of-court", 3, 3, 3)}
    assert disclosure.audit(frames, 5) == []  # suppressed together, as published


def test_districts_add_up_to_the_area():
    frames = with_searches([("Area", "Firearms", 3), ("Area", "Drugs", 50),
                            ("North", "Firearms", 1), ("North", "Drugs", 20),
                            ("South", "Firearms", 2), ("South", "Drugs", 30)])
    # as published: every Firearms count is small, and each takes its Drugs count with it;
    # then the area's Firearms can be anything from 0 to 53
    assert disclosure.audit(frames, 5) == []
    # districts shown (suppressed badly): the area's 3 is their sum
    bad = exports.suppress_tables(frames, 5)
    table = bad["stop_search"].copy()
    table.loc[2:, "searches"] = frames["stop_search"].loc[2:, "searches"]
    table.loc[2:, "searches_suppressed"] = ""
    exposed = disclosure.audit(frames, 5, {**bad, "stop_search": table})
    assert [(e.row["geography_code"], e.row["value"], e.exact) for e in exposed] == [
        ("Area", "Firearms", True), ("Area", "Drugs", True)]

