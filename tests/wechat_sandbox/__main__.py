"""``python -m tests.wechat_sandbox``: serve the sandbox on 127.0.0.1:$SANDBOX_PORT (8009)."""

import os

import uvicorn

from .app import create_app


def main() -> None:
    host = os.environ.get("SANDBOX_HOST", "127.0.0.1")
    port = int(os.environ.get("SANDBOX_PORT", "8009"))
    uvicorn.run(
        create_app(), host=host, port=port, log_level=os.environ.get("SANDBOX_LOG_LEVEL", "info")
    )


if __name__ == "__main__":
    main()
