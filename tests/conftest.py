"""Shared pytest configuration: the ``browser`` marker.

Tests marked ``browser`` open the built website in headless Chromium. ``make test`` deselects them
(``-m "not browser"``), since it runs before any book exists; ``make test-browser`` runs them after
``make book``.
"""


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "browser: opens the built book (_build/html) in headless Chromium "
        "(make test-browser)",
    )
