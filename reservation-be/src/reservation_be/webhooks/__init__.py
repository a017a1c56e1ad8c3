"""Webhook subscriptions of a site: CRUD, signing secrets, test events, deliveries."""
