"""rsv: the command line of the reservation platform."""
