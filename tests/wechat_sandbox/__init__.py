"""Local WeChat sandbox (test double). Run with ``uv run python -m tests.wechat_sandbox``."""
