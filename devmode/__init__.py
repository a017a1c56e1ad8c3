"""The no-Docker dev-mode launcher (``devmode/run.py``)."""
