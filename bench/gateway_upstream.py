"""A minimal upstream for bench/gateway_proxy.py: it only swallows bodies and answers pings."""

from fastapi import FastAPI, Request

app = FastAPI()


@app.get("/api/repair/ping")
async def ping() -> dict[str, int]:
    return {"ok": 1}


@app.put("/api/repair/upload")
async def upload(request: Request) -> dict[str, int]:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
    return {"size": size}


@app.get("/readyz")
async def ready() -> dict[str, str]:
    return {"status": "ready"}
