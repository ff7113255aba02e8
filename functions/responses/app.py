"""POST /v1/responses, GET and DELETE /v1/responses/{id}. Streams, so it runs under uvicorn
behind the Lambda Web Adapter (``run.sh``), as the chat function does."""

from gateway.api.responses import router
from gateway.app import create_app

app = create_app(router)
