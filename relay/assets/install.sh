#!/usr/bin/env bash
# Installs the CertPilot agent on this server and enrolls it with the relay that served this script:
#
#   curl -fsSL https://relay.example.com/agent/install.sh | sudo bash -s -- --token cpe_...
#
# The relay fills in its address and the SHA-256 of the agent bundle when it serves the script.
# Running it again is safe: files are replaced, an existing enrollment with the same relay is kept.
set -euo pipefail

RELAY_URL='@@RELAY_URL@@'
BUNDLE_SHA256='@@BUNDLE_SHA256@@'
MIN_NODE_MAJOR=20

# Where things go. The variables exist for tests and for unusual layouts.
PREFIX="${CERTPILOT_PREFIX:-/opt/certpilot}"
BIN_DIR="${CERTPILOT_BIN_DIR:-/usr/local/bin}"
CONFIG_FILE="${CERTPILOT_CONFIG:-/etc/certpilot/agent.json}"
SYSTEMD_DIR="${CERTPILOT_SYSTEMD_DIR:-/etc/systemd/system}"
CRON_DIR="${CERTPILOT_CRON_DIR:-/etc/cron.d}"
LOG_FILE="${CERTPILOT_LOG_FILE:-/var/log/certpilot-agent.log}"

# Chinese unless the locale is English. The variables are read in the same order as the agent does.
choose_language() {
  local value
  for value in "${CERTPILOT_LANG:-}" "${LC_ALL:-}" "${LC_MESSAGES:-}" "${LANG:-}"; do
    case "$value" in
      zh* | ZH*) echo zh-CN && return ;;
      en* | EN*) echo en && return ;;
    esac
  done
  echo zh-CN
}
LANGUAGE="$(choose_language)"

# say ZH EN: prints the line in the chosen language.
say() {
  if [ "$LANGUAGE" = en ]; then printf '%s\n' "$2"; else printf '%s\n' "$1"; fi
}

# fail ZH EN: prints the error on stderr and stops.
fail() {
  say "错误：$1" "Error: $2" >&2
  exit 1
}

usage() {
  say "用法：curl -fsSL ${RELAY_URL}/agent/install.sh | sudo bash -s -- --token cpe_... [--reenroll]
  --token      在中继上创建 agent 时得到的注册令牌（也可以放在环境变量 CERTPILOT_ENROLL_TOKEN 中）
  --reenroll   本机已注册到这个中继时，仍用新令牌重新注册" \
    "Usage: curl -fsSL ${RELAY_URL}/agent/install.sh | sudo bash -s -- --token cpe_... [--reenroll]
  --token      the enrollment token the relay gave when the agent was created (or set CERTPILOT_ENROLL_TOKEN)
  --reenroll   enroll again with the new token even when this server is already enrolled with this relay"
}

TOKEN="${CERTPILOT_ENROLL_TOKEN:-}"
REENROLL=0

parse_arguments() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --token)
        [ $# -ge 2 ] || { usage >&2; exit 2; }
        TOKEN="$2"
        shift 2
        ;;
      --token=*) TOKEN="${1#--token=}" && shift ;;
      --reenroll) REENROLL=1 && shift ;;
      -h | --help) usage && exit 0 ;;
      *)
        say "未知参数：$1" "Unknown argument: $1" >&2
        usage >&2
        exit 2
        ;;
    esac
  done
}

check_requirements() {
  local missing=0 node_version node_major
  if [ "$(id -u)" != 0 ]; then
    fail "需要 root 权限：请用 sudo bash 运行。" "root is required: run it with sudo bash."
  fi
  if [ -z "$TOKEN" ]; then
    usage >&2
    exit 2
  fi
  # The same form the agent checks, so a mistyped token stops here and not after the install.
  # The token itself is not printed: it is a secret even when mistyped.
  if ! [[ "$TOKEN" =~ ^cpe_[A-Za-z0-9_-]{43}$ ]]; then
    fail "注册令牌格式不对：应以 cpe_ 开头，后面跟 43 个字符。请从中继复制完整的令牌。没有做任何改动。" \
      "the enrollment token has the wrong form: it starts with cpe_ followed by 43 characters. Copy the whole token from the relay. Nothing was changed."
  fi

  if ! command -v curl > /dev/null 2>&1; then
    say "缺少 curl：请先安装（apt-get install curl）。" "curl is missing: install it first (apt-get install curl)." >&2
    missing=1
  fi

  if ! command -v node > /dev/null 2>&1; then
    say "缺少 Node.js：需要 ${MIN_NODE_MAJOR} 或更高版本（https://nodejs.org，或 NodeSource 的软件源）。只为某个用户安装的 node（如 nvm）在 sudo 下找不到，请为整个系统安装。" \
      "Node.js is missing: version ${MIN_NODE_MAJOR} or later is required (https://nodejs.org, or the NodeSource packages). A node installed for one user only (such as with nvm) is not found under sudo, so install it system-wide." >&2
    missing=1
  else
    node_version="$(node --version 2> /dev/null || echo unknown)"
    node_major="${node_version#v}"
    node_major="${node_major%%.*}"
    if ! [[ "$node_major" =~ ^[0-9]+$ ]] || [ "$node_major" -lt "$MIN_NODE_MAJOR" ]; then
      say "Node.js 版本太旧：$(command -v node) 是 ${node_version}，需要 ${MIN_NODE_MAJOR} 或更高版本。" \
        "Node.js is too old: $(command -v node) is ${node_version}, version ${MIN_NODE_MAJOR} or later is required." >&2
      missing=1
    fi
  fi

  if ! command -v nginx > /dev/null 2>&1; then
    say "缺少 nginx：agent 为 nginx 上的站点续期证书，请先安装 nginx（apt-get install nginx）。" \
      "nginx is missing: the agent renews the certificates of nginx sites, so install nginx first (apt-get install nginx)." >&2
    missing=1
  fi

  if [ "$missing" != 0 ]; then
    fail "未满足安装条件，没有做任何改动。" "requirements are not met; nothing was changed."
  fi
}

sha256_of() {
  node -e 'process.stdout.write(require("crypto").createHash("sha256").update(require("fs").readFileSync(process.argv[1])).digest("hex"))' "$1"
}

# The bundle is downloaded and checked in a temp dir, and enrollment runs from there: only after
# enrollment succeeded does anything move into place, so a rejected token changes nothing.
STAGE=''
CREATED_DIRS=()

cleanup() {
  if [ -n "$STAGE" ]; then rm -rf "$STAGE"; fi
}
trap cleanup EXIT

stage_bundle() {
  local url="${RELAY_URL}/agent/certpilot-agent.mjs" actual
  STAGE="$(mktemp -d "${TMPDIR:-/tmp}/certpilot-install.XXXXXX")"
  if ! curl -fsS --retry 2 -o "${STAGE}/certpilot-agent.mjs" "$url"; then
    fail "无法从 ${url} 下载 agent（见上面 curl 的输出）。请检查网络和中继是否在运行。没有做任何改动。" \
      "could not download the agent from ${url} (see curl's output above). Check the network and that the relay runs. Nothing was changed."
  fi
  actual="$(sha256_of "${STAGE}/certpilot-agent.mjs")"
  if [ "$actual" != "$BUNDLE_SHA256" ]; then
    fail "下载的 agent 校验失败（SHA-256 应为 ${BUNDLE_SHA256}，实际为 ${actual}）。中继上的 agent 可能刚被重新构建：请重新运行安装命令。没有做任何改动。" \
      "the downloaded agent failed its check (SHA-256 ${actual}, expected ${BUNDLE_SHA256}). The relay's agent may have been rebuilt meanwhile: run the install command again. Nothing was changed."
  fi
}

# make_dir DIR: mkdir -p that remembers which directories it created, for forget_created_dirs.
make_dir() {
  local dir="$1" missing=()
  while [ ! -d "$dir" ]; do
    missing=("$dir" "${missing[@]}")
    dir="$(dirname "$dir")"
  done
  mkdir -p "$1"
  CREATED_DIRS=("${missing[@]}" "${CREATED_DIRS[@]}")
}

# Removes the directories make_dir created, deepest first. One that is no longer empty stays.
forget_created_dirs() {
  local dir i
  for ((i = ${#CREATED_DIRS[@]} - 1; i >= 0; i--)); do
    dir="${CREATED_DIRS[$i]}"
    rm -d "$dir" 2> /dev/null || true
  done
}

install_bundle() {
  local partial
  mkdir -p "$PREFIX"
  # Copied next to its final name first, so the move is atomic even when /tmp is another file system.
  partial="$(mktemp "${PREFIX}/certpilot-agent.mjs.XXXXXX")"
  cat "${STAGE}/certpilot-agent.mjs" > "$partial"
  chmod 0755 "$partial"
  mv -f "$partial" "${PREFIX}/certpilot-agent.mjs"

  # The wrapper names node by its full path, because systemd and cron run with a short PATH
  # that misses a node installed under /usr/local or by a version manager.
  mkdir -p "$BIN_DIR"
  printf '#!/bin/sh\n# Written by the CertPilot installer.\nexec %q %q "$@"\n' \
    "$(command -v node)" "${PREFIX}/certpilot-agent.mjs" > "${BIN_DIR}/certpilot-agent.tmp"
  chmod 0755 "${BIN_DIR}/certpilot-agent.tmp"
  mv -f "${BIN_DIR}/certpilot-agent.tmp" "${BIN_DIR}/certpilot-agent"
  say "已安装 agent：${PREFIX}/certpilot-agent.mjs，命令 ${BIN_DIR}/certpilot-agent" \
    "Installed the agent: ${PREFIX}/certpilot-agent.mjs, command ${BIN_DIR}/certpilot-agent"
}

# Prints the relay URL the config file is enrolled with, or nothing.
enrolled_relay() {
  node -e 'try { const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); process.stdout.write((c.relay && c.relay.url) || ""); } catch {}' "$CONFIG_FILE"
}

enroll() {
  if [ "$(enrolled_relay)" = "$RELAY_URL" ] && [ "$REENROLL" = 0 ]; then
    say "本机已注册到 ${RELAY_URL}（${CONFIG_FILE}），保留现有注册。要用这个令牌重新注册，请加上 --reenroll。" \
      "This server is already enrolled with ${RELAY_URL} (${CONFIG_FILE}); keeping it. Add --reenroll to enroll again with this token."
    return
  fi
  make_dir "$(dirname "$CONFIG_FILE")"
  chmod 0700 "$(dirname "$CONFIG_FILE")"
  # The token goes through the environment, so it is not in the process list while enroll runs.
  # stdin is this script itself when it is piped into bash, so nothing started here may read it.
  # The agent writes the config only after the relay accepted the token.
  if ! CERTPILOT_ENROLL_TOKEN="$TOKEN" node "${STAGE}/certpilot-agent.mjs" enroll --relay "$RELAY_URL" \
    --config "$CONFIG_FILE" --lang "$LANGUAGE" < /dev/null; then
    forget_created_dirs
    fail "注册失败，原因见上一行。没有做任何改动。令牌只能用一次，24 小时内有效：需要时请在中继上新建一个 agent，再用新令牌运行本命令。" \
      "enrollment failed for the reason above. Nothing was changed. A token works once, within 24 hours: if needed, create a new agent on the relay and run this command with its token."
  fi
}

# The jitter of --jitter is the only random delay: the systemd timer adds none, so each
# scheduler spreads runs over the same 30 minutes.
renew_command() {
  printf '%q renew --jitter 1800 --config %q' "${BIN_DIR}/certpilot-agent" "$CONFIG_FILE"
}

# NOTE: the tests run without systemd, so only the cron and "neither" branches are exercised there.
schedule_with_systemd() {
  cat > "${SYSTEMD_DIR}/certpilot-agent.service" << EOF
# Written by the CertPilot installer.
[Unit]
Description=CertPilot agent: renew due certificates of nginx sites
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
ExecStart=$(renew_command)
EOF
  cat > "${SYSTEMD_DIR}/certpilot-agent.timer" << 'EOF'
# Written by the CertPilot installer.
[Unit]
Description=Run the CertPilot agent four times a day

[Timer]
OnCalendar=*-*-* 00/6:17:00
Persistent=true

[Install]
WantedBy=timers.target
EOF
  systemctl daemon-reload < /dev/null
  systemctl enable --now certpilot-agent.timer < /dev/null
  say "已设置 systemd 定时器 certpilot-agent.timer（每天 4 次）。" \
    "Set up the systemd timer certpilot-agent.timer (four times a day)."
}

schedule_with_cron() {
  # A minute derived from the host name spreads many servers over the hour and stays the same on re-runs.
  local minute=$(($(hostname | cksum | cut -d ' ' -f 1) % 60))
  cat > "${CRON_DIR}/certpilot-agent.tmp" << EOF
# Written by the CertPilot installer: renew due certificates four times a day.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
${minute} */6 * * * root $(renew_command) >> ${LOG_FILE} 2>&1
EOF
  chmod 0644 "${CRON_DIR}/certpilot-agent.tmp"
  mv -f "${CRON_DIR}/certpilot-agent.tmp" "${CRON_DIR}/certpilot-agent"
  say "已写入 cron 任务 ${CRON_DIR}/certpilot-agent（每天 4 次，日志在 ${LOG_FILE}）。" \
    "Wrote the cron entry ${CRON_DIR}/certpilot-agent (four times a day, log in ${LOG_FILE})."
}

schedule() {
  if [ -d /run/systemd/system ] && command -v systemctl > /dev/null 2>&1; then
    schedule_with_systemd
  elif [ -d "$CRON_DIR" ]; then
    schedule_with_cron
  else
    say "没有找到 systemd 或 cron（${CRON_DIR}）。请让系统每天运行几次下面的命令：" \
      "Found neither systemd nor cron (${CRON_DIR}). Have the system run this command a few times a day:" >&2
    printf '  %s\n' "$(renew_command)" >&2
  fi
}

# Warns when the token and the agent's reports would cross the network unencrypted: the relay
# served this script over plain HTTP to an address that is not this machine.
warn_plain_http() {
  case "$RELAY_URL" in
    http://127.* | http://localhost | http://localhost:* | http://\[::1\]*) return ;;
    http://*)
      say "警告：中继地址 ${RELAY_URL} 是明文 HTTP，注册令牌和 agent 的报告会不加密地经过网络。请给中继配置 HTTPS（--tls-name 或 HTTPS 反向代理，并设置 --public-url https://…），再用 https:// 地址重新生成安装命令。" \
        "Warning: the relay address ${RELAY_URL} is plain HTTP, so the enrollment token and the agent's reports cross the network unencrypted. Give the relay HTTPS (--tls-name, or an HTTPS reverse proxy with --public-url https://…), then make the install command again with the https:// address." >&2
      ;;
  esac
}

# Everything runs from here, so a download cut short stops before this line and does nothing.
main() {
  parse_arguments "$@"
  warn_plain_http
  check_requirements
  stage_bundle
  enroll
  TOKEN=''
  install_bundle
  schedule
  say "完成。运行 certpilot-agent scan 查看本机的 nginx 站点；每次运行后结果会报告给 ${RELAY_URL}。" \
    "Done. Run certpilot-agent scan to see this server's nginx sites; each run reports to ${RELAY_URL}."
}

main "$@"
