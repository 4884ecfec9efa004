"""``uv run python -m repair_service`` serves the API on 127.0.0.1:``REPAIR_PORT`` (8001)."""

import uvicorn

from repair_service.settings import get_settings

if __name__ == "__main__":
    uvicorn.run("repair_service.app:app", host="127.0.0.1", port=get_settings().repair_port)
