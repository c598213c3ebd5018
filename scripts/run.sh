#!/bin/sh
# Start the background-job worker and the web server together; stopping one stops both.
set -eu
HOST=${1:-127.0.0.1}
PORT=${2:-8000}
BIN=.venv/bin
: "${FENGQIAO_VAR_DIR:=var}"
mkdir -p "$FENGQIAO_VAR_DIR"
# A per-installation secret key, made once and kept, so sessions survive a restart.
if [ -z "${FENGQIAO_SECRET_KEY:-}" ] && [ -z "${FENGQIAO_SECRET_KEY_FILE:-}" ]; then
  KEY_FILE="$FENGQIAO_VAR_DIR/secret_key"
  [ -s "$KEY_FILE" ] || (umask 077; head -c 48 /dev/urandom | base64 | tr -d '\n' > "$KEY_FILE")
  export FENGQIAO_SECRET_KEY_FILE="$KEY_FILE"
fi
$BIN/python manage.py qcluster &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo ""
echo "枫桥 fengqiao 已启动: http://$HOST:$PORT/  (后台任务进程 $WORKER)"
echo "演示账号见上方列表；按 Ctrl+C 停止。"
echo ""
$BIN/python manage.py runserver --noreload "$HOST:$PORT"
