"""E-mail notifications: queued with the notification, sent by :mod:`reservation_be.mail.worker`.

Import the submodules directly; this package imports nothing so that the services writing
notifications can import :mod:`reservation_be.mail.queue` without the worker's dependencies.
"""
