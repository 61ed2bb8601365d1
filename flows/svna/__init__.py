"""svna: serious violence needs assessments from police and partner data."""
