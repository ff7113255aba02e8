"""POST /v1/chat/completions. Streams, so it runs under uvicorn behind the Lambda Web Adapter
(``run.sh``), which passes SSE chunks through as they are written."""

from gateway.api.chat import router
from gateway.app import create_app

app = create_app(router)
