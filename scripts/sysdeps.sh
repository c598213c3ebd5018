#!/bin/sh
# Install the system packages fengqiao needs, if they are missing (Debian/Ubuntu).
#  - fonts-noto-cjk: Chinese fonts embedded in generated PDFs (Noto Serif CJK SC stands in for
#    宋体/仿宋/小标宋, Noto Sans CJK SC for 黑体);
#  - fonts-arphic-ukai: AR PL UKai CN, the stand-in for 楷体 (second-level headings);
#  - fontconfig: fc-list, which the documents app asks which fonts are installed;
#  - libpango-1.0-0, libpangoft2-1.0-0, libharfbuzz-subset0: WeasyPrint's text layout;
#  - chromium: the real browser the UI tests drive through Playwright;
#  - poppler-utils: pdftoppm, to look at a generated PDF as an image;
#  - npm (with Node.js), unless some npm is already there: installs the browser tests' locked
#    axe-core (package-lock.json) into node_modules.
set -eu
NEEDED="fonts-noto-cjk fonts-arphic-ukai fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 chromium poppler-utils"
MISSING=""
for pkg in $NEEDED; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || MISSING="$MISSING $pkg"
done
command -v npm >/dev/null 2>&1 || MISSING="$MISSING npm"
[ -z "$MISSING" ] && exit 0
echo "安装系统依赖 (installing system packages):$MISSING"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=""; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Not a Debian system: install the equivalents of:$MISSING" >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $MISSING
