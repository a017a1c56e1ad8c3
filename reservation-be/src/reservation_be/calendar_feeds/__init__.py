"""iCal feeds: a secret URL per user for their reservations, and for site members per site and
per resource; subscribed from any calendar application (no login, the token is the secret)."""
