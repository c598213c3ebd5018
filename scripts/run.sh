#!/usr/bin/env bash
# Needs bash 5.1+ (wait -n with process ids).
# `make run`: set up the installation in FENGQIAO_VAR_DIR and serve it as a deployment does —
# gunicorn (several workers, static files through WhiteNoise, DEBUG off) and the job worker
# (django-q2 qcluster) together. Stopping this script (Ctrl+C, or SIGTERM to it or to `make`,
# which passes SIGTERM on to it) stops both, and each stops its own children.
#
#   bash scripts/run.sh [HOST] [PORT]
#
# FENGQIAO_ENV stays `development` unless set: a local installation on http://127.0.0.1, with
# DEBUG off and the 403/404/500 pages a user would see. Set FENGQIAO_ENV=production with the
# variables of docs/deployment.md to run the same script on a server.
set -euo pipefail
HOST=${1:-127.0.0.1}
PORT=${2:-8000}
cd "$(dirname "$0")/.."
BIN=${FENGQIAO_BIN:-.venv/bin}
. scripts/common.sh

# A signal during the set-up waits for the step in hand, then stops.
WEB=""
JOBS=""
stop() {
  trap - INT TERM HUP
  echo "正在停止 (stopping) …" >&2
  # gunicorn stops its workers within graceful_timeout; qcluster waits for the job in hand.
  for pid in $WEB $JOBS; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $WEB $JOBS; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop; exit 143' TERM
trap 'stop; exit 130' INT
trap 'stop; exit 129' HUP

# Set-up: idempotent, so a second run keeps the data of the first.
"$BIN/python" manage.py migrate --noinput
"$BIN/python" manage.py setup_naiman
"$BIN/python" manage.py demo_staff
# Static files are collected into FENGQIAO_VAR_DIR/static with hashed names and compressed
# copies; WhiteNoise serves those (not the source folders) with far-future cache headers.
export FENGQIAO_STATIC_MANIFEST=${FENGQIAO_STATIC_MANIFEST:-1}
export FENGQIAO_STATIC_FINDERS=${FENGQIAO_STATIC_FINDERS:-0}
"$BIN/python" manage.py collectstatic --noinput -v 0

# The system checks ran in migrate; skipping them here keeps the worker's processes small
# (the documents check loads WeasyPrint, which every forked process would otherwise carry).
"$BIN/python" manage.py qcluster --skip-checks &
JOBS=$!
FENGQIAO_BIND="$HOST:$PORT" "$BIN/gunicorn" -c deploy/gunicorn.conf.py fengqiao.wsgi &
WEB=$!

echo ""
echo "枫桥 fengqiao 已启动: http://$HOST:$PORT/  (网站进程 $WEB，后台任务进程 $JOBS)"
echo "演示账号见上方列表；按 Ctrl+C 停止。"
echo ""
# Whichever stops first (a crash, or a signal handled above), the other is stopped too.
status=0
wait -n "$WEB" "$JOBS" || status=$?
stop
exit "$status"
