"""The shared schema of the reservation platform.

``reservation_db.models`` holds the SQLAlchemy models (one module per table),
``reservation_db.migrations`` the Alembic revisions that create them,
``reservation_db.testing`` the migrated throwaway databases every part's tests use, and
``reservation_db.direct`` what a statement sent straight to asyncpg raises when it fails. The API
(``reservation-be``) and the event processor (``reservation-event-processor``) both depend on this
package and on nothing of each other.
"""
