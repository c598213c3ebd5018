"""gunicorn settings for fengqiao, read from the same ``FENGQIAO_*`` environment as Django.

Used by ``make run`` (scripts/run.sh) and by the systemd unit (deploy/fengqiao-web.service):
``gunicorn -c deploy/gunicorn.conf.py fengqiao.wsgi``.

- ``FENGQIAO_BIND`` (default ``127.0.0.1:8000``): where the server listens; behind nginx keep
  it on the loopback or a unix socket (``unix:/run/fengqiao/web.sock``).
- ``FENGQIAO_WEB_WORKERS`` (default 2 × cores + 1): worker processes. Each handles one request
  at a time; the application is imported once in the master and the workers fork from it,
  so they share its code pages.
- ``FENGQIAO_WEB_TIMEOUT`` (default 60 s): a request still running after this is killed and
  its worker replaced (a case export or a sealed dossier's PDF takes seconds, not minutes).
"""

import multiprocessing
import os

bind = os.environ.get("FENGQIAO_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("FENGQIAO_WEB_WORKERS") or 2 * multiprocessing.cpu_count() + 1)
timeout = int(os.environ.get("FENGQIAO_WEB_TIMEOUT") or 60)
# SIGTERM: finish the requests in flight for at most this long, then stop.
graceful_timeout = 10
# Import Django once, before forking: a broken configuration stops the master at once, and
# the workers share the imported code instead of each importing it again.
preload_app = True
# A worker is replaced after this many requests (± jitter), which bounds any slow growth.
max_requests = 2000
max_requests_jitter = 200
# Access log to stdout, errors to stderr (journald or the terminal keeps them).
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
# Behind nginx: trust X-Forwarded-* only from the proxy on this machine (the default).
forwarded_allow_ips = os.environ.get("FENGQIAO_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "fengqiao-web"
