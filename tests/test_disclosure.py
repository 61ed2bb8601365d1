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



def test_a_small_count_the_relations_pin_down_together_is_freed():
    """LSOAs add up to their district and to their deprivation decile. Greedy suppression
    hides each line's second cell, yet Northam's two hidden LSOAs both lie in decile 1: its 17
    less their 16 (Northam's 26 less the 10 shown) gives L04's 1 back."""
    hotspots = pd.DataFrame({
        "lsoa21_code": ["L01", "L02", "L03", "L04", "L05", "L06"],
        "lad_code": ["E07000001"] * 3 + ["E07000002"] * 3,
        "imd_decile": [1, 1, 2, 1, 2, 2], "events": [6, 10, 10, 1, 8, 1],
        "source": "ae_assaults", "rank_in_source": range(1, 7)})
    frames = {name: NOT_BUILT for name in exports.needed_tables(["partner_hotspots"])}
    frames["partner_hotspots"] = hotspots
    greedy = exports.suppress_for_publication(
        hotspots, exports.published_table("partner_hotspots"), 5, frames)
    # the 1s first; deciles 1 and 2 take L01 (6) and L05 (8); Northam then takes L02 (10)
    assert list(greedy.loc[greedy["events_suppressed"] == "yes", "lsoa21_code"]) == [
        "L01", "L02", "L04", "L05", "L06"]
    exposed = disclosure.audit(frames, 5, {**frames, "partner_hotspots": greedy})
    assert [(e.row["lsoa21_code"], e.value, e.exact, e.small) for e in exposed] == [
        ("L04", 1, True, True)]
    # published: L03 (10, shown beside L04 in the source's total) hides first, and Northam
    # takes L01: the hidden cells form a cycle, along which L04 and L06 can be 0 to 2
    safe = exports.suppress_tables(frames, 5)["partner_hotspots"]
    assert list(safe.loc[safe["events_suppressed"] == "yes", "lsoa21_code"]) == [
        "L01", "L03", "L04", "L06"]
    assert [(e.row["lsoa21_code"], e.low, e.high, e.exact)
            for e in disclosure.audit(frames, 5)] == [("L04", 0, 2, False), ("L06", 0, 2, False)]
