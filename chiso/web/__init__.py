"""Web layer: FastAPI app, server-rendered pages with JSON twins, auth; calls domain services, never SQL."""
