"""Uploaded media: multipart form parsing and audio durations read from file headers."""
