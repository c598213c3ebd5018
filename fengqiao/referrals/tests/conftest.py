from fengqiao.handling.tests.handling_helpers import file_storage  # noqa: F401 — issued documents go to tmp
