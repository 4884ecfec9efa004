"""Fixtures every CMS test gets; the test database is chosen in ``reparo_cms.settings_test``."""

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _media_in_temp_folder(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
