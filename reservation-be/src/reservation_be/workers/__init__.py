"""Background loops of the API process: the outbox relay and the lifecycle scheduler."""
