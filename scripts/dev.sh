#!/usr/bin/env bash
# Needs bash 5.1+ (wait -n with process ids).
# `make dev`: Django's auto-reloading development server (DEBUG on, static files from the source
# folders) and the job worker beside it. Ctrl+C or SIGTERM stops both. The set-up (migrate,
# setup_naiman, demo_staff) is done by `make dev` before this script runs.
#
#   FENGQIAO_DEBUG=1 bash scripts/dev.sh [HOST] [PORT]
set -euo pipefail
HOST=${1:-127.0.0.1}
PORT=${2:-8000}
cd "$(dirname "$0")/.."
BIN=${FENGQIAO_BIN:-.venv/bin}
. scripts/common.sh

WEB=""
JOBS=""
stop() {
  trap - INT TERM HUP
  # runserver's auto-reloader runs the server in a child process: stop that one too. The
  # qcluster is stopped through its main process only, which stops its own children in order
  # (a SIGTERM straight to its sentinel would leave the worker, pusher and monitor behind).
  [ -n "$WEB" ] && { pkill -TERM -P "$WEB" 2>/dev/null || true; }
  for pid in $WEB $JOBS; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $WEB $JOBS; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop; exit 143' TERM
trap 'stop; exit 130' INT
trap 'stop; exit 129' HUP

"$BIN/python" manage.py qcluster --skip-checks &
JOBS=$!
"$BIN/python" manage.py runserver "$HOST:$PORT" &
WEB=$!
echo ""
echo "枫桥 fengqiao 开发服务器: http://$HOST:$PORT/  (DEBUG，修改代码后自动重启；后台任务进程 $JOBS)"
echo "按 Ctrl+C 停止。"
echo ""
status=0
wait -n "$WEB" "$JOBS" || status=$?
stop
exit "$status"
