"""Per-user Server-Sent Events: new notifications and changes of the user's reservations."""
