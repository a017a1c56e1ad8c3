"""One repository per table that both services write, in one SQL style: SQLAlchemy expressions
over the models (no hand-written SQL strings). The callers own the transaction: nothing here
commits.

- ``outbox``: events written with the change they announce; the relay (API) and the dev-mode
  outbox source (event processor) claim and mark them.
- ``webhook_subscriptions``: written by the API (CRUD) and the processor (failure run, disable).
- ``webhook_deliveries``: the processor's fan-out, claims and outcomes; the API's redeliveries.
- ``webhook_attempts``: one row per HTTP request, with the delivery's outcome.
- ``notifications``: in-app notices, from the API's domains and the processor's disabling.
"""
