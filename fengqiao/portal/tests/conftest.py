"""Fixtures of the payer pages' browser tests (journeys, accessibility): the life-cycle walk's
Chromium (one per module), the demo set-up with its logins and the staff's desks
(``core.tests.test_life_cycle_browser``), its files kept in the test's temporary folder."""

from fengqiao.core.tests.test_life_cycle_browser import browser, demo, desk, file_storage

__all__ = ["browser", "demo", "desk", "file_storage"]
