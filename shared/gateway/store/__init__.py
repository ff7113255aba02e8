"""DynamoDB access: keys, usage, and (later) limits and provider health. Nothing else talks to DynamoDB."""
