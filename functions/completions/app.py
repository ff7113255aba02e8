"""POST /v1/completions. Streams, so it runs under uvicorn behind the Lambda Web Adapter (``run.sh``)."""

from gateway.api.completions import router
from gateway.app import create_app

app = create_app(router)
