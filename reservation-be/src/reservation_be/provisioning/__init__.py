"""Provisioning reports of integrations (``POST /reservations/{id}/provisioning``)."""
