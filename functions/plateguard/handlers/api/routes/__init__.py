"""The officer API's routes by area: each a Powertools Router that app.py includes."""
