"""A bare FastAPI app: the ceiling Trellis's floor is compared with."""

from fastapi import FastAPI
from starlette.responses import Response

app = FastAPI()


@app.get("/ping")
async def ping() -> Response:
    return Response(b'{"code":"0000","msg":"OK","data":{"status":"ok"}}', media_type="application/json")
