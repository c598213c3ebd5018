"""The archive's fixtures (stored files in a temporary folder, an informed case ready to
archive) serve the release tests too."""

from fengqiao.archive.tests.conftest import _fonts_cache_clear, file_storage, informed_case  # noqa: F401
