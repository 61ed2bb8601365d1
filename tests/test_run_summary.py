"""The run summary (the markdown artifact) on a small warehouse: 24 months of street records
for one district, a broken delivery, then a second run that brings one new month."""

from __future__ import annotations

import hashlib
import os

import pytest
from scipy import stats

from conftest import STREET_HEADER, build_warehouse, street_row, write_csv, write_reference

FORCE = "test-force"
VSO = "Violence and sexual offences"
SHOP = "Shoplifting"
LSOAS = [("E01000001", "E07000101", "Northby", 1500, 3),
         ("E01000002", "E07000101", "Northby", 1500, 7)]
MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)]
SUMMARY = {"run_id": "test-run", "status": "succeeded", "report": "reports/baseline.html",
           "validation_report": "reports/validation/index.html"}


def cid(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def month_rows(month: str) -> list[list]:
    """2 violent crimes a month in 2023, 4 in 2024; 1 shoplifting every month."""
    violent = 2 if month < "2024" else 4
    rows = [street_row(cid(f"{month}-v{k}"), month, LSOAS[k % 2][0], VSO)
            for k in range(violent)]
    return rows + [street_row(cid(f"{month}-s"), month, LSOAS[0][0], SHOP)]


def street_file(raw, month, header=STREET_HEADER, rows=None):
    return write_csv(raw / "police_uk" / month / f"{month}-{FORCE}-street.csv", header,
                     month_rows(month) if rows is None else rows)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    base = tmp_path_factory.mktemp("summary")
    raw = base / "raw"
    write_reference(raw, LSOAS)
    for month in MONTHS:
        street_file(raw, month)
    # a 2025-01 delivery without its "Crime type" column: it cannot be used
    broken = [r[:9] + r[10:] for r in month_rows("2025-01")]
    street_file(raw, "2025-01", [h for h in STREET_HEADER if h != "Crime type"], broken)
    for i, path in enumerate(sorted(raw.rglob("*.csv"))):
        os.utime(path, (1_700_000_000 + i, 1_700_000_000 + i))
    con = build_warehouse(raw, base / "w.duckdb", ["E07000101"])
    yield con, raw
    con.close()


def test_facts_of_the_first_run(warehouse):
    from svna.run_summary import run_facts

    con, _ = warehouse
    facts = run_facts(con, "test-run")
    # 4 reference files + 24 street months + the broken month
    assert len(facts.files) == 29
    assert [f["path"] for f in facts.failed] == ["police_uk/2025-01/2025-01-test-force-street.csv"]
    assert facts.failed[0]["status"] == "not_loaded"
    assert "Crime type" in facts.failed[0]["message"]
    serious, everything = facts.headline
    # serious violence: 2023 2 x 12 = 24, 2024 4 x 12 = 48; all crime adds 12 shoplifting each
    assert (serious["category"], serious["latest_12"], serious["previous_12"]) == (
        "Serious violence", 48, 24)
    assert (everything["category"], everything["latest_12"], everything["previous_12"]) == (
        "All crime", 60, 36)
    assert serious["pct_change"] == pytest.approx(100.0)  # (48 - 24) / 24
    assert everything["pct_change"] == pytest.approx(66.7)  # (60 - 36) / 36 = 0.6667


def test_markdown_names_the_files_the_failure_and_the_headline_change(warehouse):
    from svna.run_summary import markdown, run_facts

    con, _ = warehouse
    text = markdown(run_facts(con, "test-run"), SUMMARY, "Test area", flow_run="brave-otter")
    assert text.startswith("# svna succeeded: Test area\n")
    assert "flow run brave-otter" in text
    # 28 loaded (4 reference + 24 street) and the broken one; street rows 12 x 3 (2023) +
    # 12 x 5 (2024) = 96, reference rows 2 + 2 + 2 and 1 in the 2011 lookup = 7: 103
    assert "29 file(s) read or checked: 28 loaded, 1 not loaded; 103 rows loaded." in text
    failed_section = text.split("## Failed validation")[1].split("##")[0]
    assert "1 file(s) failed a critical check" in failed_section
    assert "| police_uk/2025-01/2025-01-test-force-street.csv | police_uk_street |" in (
        failed_section)
    # the ratio's exact interval, worked out here from the binomial split of 48 + 24 = 72:
    # p = 48/72 with Clopper-Pearson limits, ratio = p / (1 - p)
    lower_p = stats.beta.ppf(0.025, 48, 24 + 1)
    upper_p = stats.beta.ppf(0.975, 48 + 1, 24)
    lower, upper = lower_p / (1 - lower_p), upper_p / (1 - upper_p)
    assert lower > 1  # so the summary must call it a rise beyond chance
    row = next(line for line in text.splitlines() if line.startswith("| Serious violence"))
    assert row == (f"| Serious violence | 2024-01 to 2024-12 | 48 | 24 (2023-01 to 2023-12) "
                   f"| +100.0% | 2.00 ({lower:.2f} to {upper:.2f}); a rise beyond chance |")


def test_a_second_run_lists_only_what_it_read(warehouse):
    from svna import datasets, ingest, validate
    from svna.run_summary import markdown, run_facts

    con, raw = warehouse
    new = street_file(raw, "2025-02")
    os.utime(new, (1_800_000_000, 1_800_000_000))
    declared = datasets.load_datasets()
    ingest.ingest(con, raw, declared, "run-2")
    validate.run_validation(con, declared, "run-2")
    facts = run_facts(con, "run-2", headline=False)
    assert [(f["path"], f["status"], f["validation"]) for f in facts.files] == [
        ("police_uk/2025-02/2025-02-test-force-street.csv", "loaded", "passed")]
    assert facts.failed == [] and facts.headline == []
    text = markdown(facts, SUMMARY | {"run_id": "run-2", "status": "validated"}, "Test area")
    assert "No file failed a critical check." in text
    assert "## Headline changes" not in text  # validation alone rebuilds no table
    # 2025-02 is a 2024-style month: 4 violent + 1 shoplifting
    assert "1 file(s) read or checked: 1 loaded; 5 rows loaded." in text


def test_markdown_of_a_run_with_nothing_new():
    from svna.run_summary import RunFacts, markdown

    text = markdown(RunFacts([], [], []), SUMMARY | {"status": "unchanged"}, "Test area")
    assert "No new or changed files: nothing was read." in text
    assert "outputs were left as they were" in text
