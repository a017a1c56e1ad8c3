"""What the example integrations share (each example stays a small receiver of its own):
``platform`` reads and reports a reservation's provisioning state."""
