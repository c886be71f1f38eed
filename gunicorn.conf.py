"""gunicorn's settings for the toolkit, used by `make run`, docs/DEPLOY.md, the tests and the benches.

    gunicorn -c gunicorn.conf.py 'toolkit:create_app()'
    gunicorn -c gunicorn.conf.py --bind 127.0.0.1:8000 --workers 3 'toolkit:create_app()'

Options given on the command line (or in GUNICORN_CMD_ARGS) win over this file.

Why these:
- gthread workers: each worker serves several requests at once in threads. A PDF render, a slow
  upload or a client that trickles its headers then holds one thread, not the whole worker, so
  `/api/v1/health` and `/api/v1/sync` keep answering (tests/reliability/test_server_limits.py
  measures it). A connection that sends nothing costs no thread at all: gunicorn waits for its
  first bytes in the worker's poller, and closes it after `keepalive` seconds.
- Bounded request line and headers: a request whose line or headers are too long is refused (400)
  before the app sees it.
- The app's own limits: bodies of at most 1 MB (MAX_CONTENT_LENGTH), at most one PDF render at a
  time across all workers (PDF_RENDER_SLOTS), other uncached PDFs answered "being prepared" (503).
- gunicorn has no deadline for reading a request's headers once they started: the reverse proxy in
  front (docs/DEPLOY.md) must buffer whole requests and time slow clients out, so that only complete
  requests ever reach these threads.
"""

bind = "127.0.0.1:5000"
workers = 2
worker_class = "gthread"
threads = 8
# A worker whose main loop has not checked in for this long is killed and replaced. Requests run in
# threads while the main loop keeps checking in, so a long render never trips this.
timeout = 60
graceful_timeout = 30
# Idle keep-alive connections and connections that have not sent their first bytes: closed after 5 s.
keepalive = 5
limit_request_line = 4094
limit_request_fields = 60
limit_request_field_size = 8190
# Load the app (content, catalogs) once before forking: a broken deployment fails at start.
preload_app = True
