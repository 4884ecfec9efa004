"""The JS-SDK stand-in, served only by the sandbox."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

router = APIRouter()

SCRIPT = Path(__file__).parent / "static" / "jweixin.js"


@router.get("/sandbox/jweixin.js")
async def jweixin() -> FileResponse:
    """Load in place of ``https://res.wx.qq.com/open/js/jweixin-1.6.0.js``."""
    return FileResponse(SCRIPT, media_type="application/javascript")
