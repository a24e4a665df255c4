"""gunicorn settings for the ``web`` container: one process, gevent workers, logs to stdout.

The ECS task definition and the ALB target group expect the app on port 8000 on every
interface; ``PORT`` overrides the port, as on most container platforms.

Why gevent (issue 15): the threaded worker gives each connection one of its threads from
the first byte of a request until the request has been read, and it reads without a
timeout, so a handful of clients that stall mid-request (8 with 8 threads) leave none for
the ALB's health check, and ECS replaces the task. The gevent worker gives each connection
a greenlet instead: a stalled client costs a little memory, not a worker, and up to
``worker_connections`` of them wait while /healthz is answered. gunicorn's gevent worker
also bounds the wait for a request's head (request line and headers) by ``keepalive``; a
body that stops arriving is closed by the ALB once its idle timeout passes. The app does
no blocking work besides socket I/O, which gevent's monkey-patching makes cooperative, so
nothing in it needs adapting (the note store's threading.Lock becomes a gevent lock).
"""

import os

DEFAULT_PORT = 8000


def port_from_env() -> int:
    """``PORT`` as a TCP port, 8000 when unset; anything else stops the server at start."""
    raw = os.environ.get("PORT") or str(DEFAULT_PORT)
    try:
        port = int(raw)
    except ValueError:
        raise ValueError(f"PORT must be a TCP port number (1-65535), got {raw!r}") from None
    if not 1 <= port <= 65535:
        raise ValueError(f"PORT must be a TCP port number (1-65535), got {raw!r}")
    return port


bind = [f"0.0.0.0:{port_from_env()}"]  # the ALB reaches the task over the VPC

# The notes store lives in the process, so a second worker process would show each
# visitor a different board. Greenlets give concurrency within the one process.
workers = 1
worker_class = "gevent"
# Connections served at once, stalled ones included; past it, new ones wait in the
# listen backlog. Each costs a greenlet and a file descriptor (Fargate allows 65535).
worker_connections = 1000

# ECS sends SIGTERM and waits stopTimeout (30 s by default) before SIGKILL; finish
# in-flight requests well within it.
graceful_timeout = 20
timeout = 30
# Longer than the ALB's idle timeout (60 s by default), so the target never closes a
# connection the load balancer is about to reuse; that race shows up as ALB 502s. With
# gevent it is also the most a client may take to send a request's head.
keepalive = 75

# To stdout/stderr, which the awslogs driver sends to the task's log group.
accesslog = "-"
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# gunicorn >= 25.1 opens a control socket under $HOME by default; the container user
# has no home directory and nothing here uses gunicornc.
control_socket_disable = True
