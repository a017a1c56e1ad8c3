"""Utilisation and load of a site's resources, computed in SQL over the reservation slots."""
