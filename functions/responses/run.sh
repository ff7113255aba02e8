#!/bin/sh
# Started by the Lambda Web Adapter (AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap): one uvicorn
# worker on $PORT; the adapter turns each API Gateway event into an HTTP request to it.
PATH="/var/lang/bin:$PATH"
export PYTHONPATH="/opt/python:$LAMBDA_TASK_ROOT:$PYTHONPATH"
exec python -m uvicorn --host 127.0.0.1 --port "${PORT:-8080}" --no-access-log --timeout-keep-alive 120 app:app
