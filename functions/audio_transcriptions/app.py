"""POST /v1/audio/transcriptions: multipart uploads (4 MiB) to OpenAI and Groq, billed per minute."""

from gateway.api.audio import router
from gateway.app import create_app
from gateway.observability import lambda_handler

app = create_app(router)
handler = lambda_handler(app)
