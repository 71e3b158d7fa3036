"""Training classes: staff announce them, people enrol, rosters, attendance, QR posters."""
