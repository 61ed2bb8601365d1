-- What the data could not tell us, with counts: a board should see these beside the figures.
WITH street AS (SELECT * FROM {{ ref('fct_street_records') }}),
searches AS (SELECT * FROM {{ ref('fct_stop_search') }}),
area_forces AS (SELECT force FROM {{ ref('street_area_forces') }}),
file_months AS (
    SELECT f.dataset, regexp_extract(f.delivery_key, 'month=([0-9-]+)', 1) AS month
    FROM meta.files AS f WHERE f.active AND f.dataset LIKE 'police_uk_%'
),
missing AS (
    SELECT d.dataset, string_agg(m.month, ', ' ORDER BY m.month) AS months, count(*) AS n
    FROM {{ ref('month_spine') }} AS m
    CROSS JOIN (VALUES ('police_uk_street'), ('police_uk_outcomes'), ('police_uk_stop_search'))
        AS d(dataset)
    WHERE NOT EXISTS (SELECT 1 FROM file_months AS f
                      WHERE f.dataset = d.dataset AND f.month = m.month)
    GROUP BY d.dataset
),
unplaced AS (
    SELECT count(*) AS n, count(DISTINCT lsoa_code) AS codes,
           string_agg(DISTINCT lsoa_code, ', ' ORDER BY lsoa_code) AS code_list
    FROM street WHERE placement = 'unplaced_code' AND force IN (SELECT force FROM area_forces)
),
files AS (
    SELECT
        count(*) FILTER (WHERE validation = 'failed') AS failed,
        count(*) FILTER (WHERE validation = 'warning') AS warnings,
        count(*) FILTER (WHERE status = 'unrecognised') AS unrecognised,
        coalesce(sum(rows_rejected) FILTER (WHERE active), 0) AS rejected_rows
    FROM (SELECT * FROM meta.files QUALIFY row_number() OVER (PARTITION BY path ORDER BY file_id DESC) = 1)
)
SELECT check_order, section, measure, value::BIGINT AS value, detail FROM (VALUES
    (1, 'Street-level records',
        'Records in the files of the forces serving the area',
        (SELECT count(*) FROM street WHERE force IN (SELECT force FROM area_forces)), NULL),
    (2, 'Street-level records', 'Records placed in the area (counted)',
        (SELECT count(*) FROM street WHERE in_area AND NOT is_duplicate), NULL),
    (3, 'Street-level records', 'Records outside the area (placed in other districts)',
        (SELECT count(*) FROM street WHERE placement = 'placed' AND NOT in_area
           AND force IN (SELECT force FROM area_forces)), NULL),
    (4, 'Street-level records', 'Records with no location (no LSOA)',
        (SELECT count(*) FROM street WHERE placement = 'no_location'
           AND force IN (SELECT force FROM area_forces)),
        'Not counted in any district; police.uk publishes no location for them'),
    (5, 'Street-level records', 'Records whose LSOA code the lookups could not place',
        (SELECT n FROM unplaced),
        (SELECT codes || ' code(s): ' || left(code_list, 500) FROM unplaced WHERE n > 0)),
    (6, 'Street-level records', 'Duplicate Crime IDs (extra copies not counted)',
        (SELECT count(*) FROM street WHERE is_duplicate), NULL),
    (7, 'Coverage', 'Months missing: street-level files',
        coalesce((SELECT n FROM missing WHERE dataset = 'police_uk_street'), 0),
        (SELECT months FROM missing WHERE dataset = 'police_uk_street')),
    (8, 'Coverage', 'Months missing: outcomes files',
        coalesce((SELECT n FROM missing WHERE dataset = 'police_uk_outcomes'), 0),
        (SELECT months FROM missing WHERE dataset = 'police_uk_outcomes')),
    (9, 'Coverage', 'Months missing: stop and search files',
        coalesce((SELECT n FROM missing WHERE dataset = 'police_uk_stop_search'), 0),
        (SELECT months FROM missing WHERE dataset = 'police_uk_stop_search')),
    (10, 'Stop and search', 'Searches with no location',
        (SELECT count(*) FROM searches WHERE placement = 'no_location'), NULL),
    (11, 'Stop and search', 'Searches placed at the nearest map point (within about 1 km)',
        (SELECT count(*) FROM searches WHERE placement = 'nearest_point'), NULL),
    (12, 'Stop and search', 'Searches that could not be placed in an LSOA',
        (SELECT count(*) FROM searches WHERE placement = 'unplaced'), NULL),
    (13, 'Reference data', 'LSOAs in the area without a population',
        (SELECT count(*) FROM {{ ref('dim_lsoa') }} WHERE in_area AND population IS NULL), NULL),
    (14, 'Reference data', 'LSOAs in the area without a deprivation decile',
        (SELECT count(*) FROM {{ ref('dim_lsoa') }} WHERE in_area AND imd_decile IS NULL), NULL),
    (15, 'Reference data', 'Configured districts with no LSOA in the lookups',
        (SELECT count(*) FROM {{ ref('dim_district') }} WHERE lsoas = 0),
        (SELECT string_agg(lad_code, ', ') FROM {{ ref('dim_district') }} WHERE lsoas = 0)),
    (16, 'Files', 'Files that failed validation (not used)', (SELECT failed FROM files),
        'See the validation report'),
    (17, 'Files', 'Files used with validation warnings', (SELECT warnings FROM files), NULL),
    (18, 'Files', 'Files not recognised as any declared dataset', (SELECT unrecognised FROM files),
        NULL),
    (19, 'Files', 'Rows that could not be read (rejected)', (SELECT rejected_rows FROM files),
        'Kept with file, line and reason in the warehouse (meta.rejects)')
) AS t(check_order, section, measure, value, detail)
