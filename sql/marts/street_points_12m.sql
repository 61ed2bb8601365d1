-- Where each serious violence record of the latest 12 months was mapped (police.uk's
-- anonymised map points, public), for the maps drawn when no LSOA boundaries are supplied.
SELECT r.longitude, r.latitude, r.location
FROM {{ ref('fct_street_records') }} AS r, {{ ref('reporting_period') }} AS p
WHERE r.in_area AND NOT r.is_duplicate AND r.is_serious_violence
  AND r.month >= p.latest_12_start AND r.longitude IS NOT NULL AND r.latitude IS NOT NULL
