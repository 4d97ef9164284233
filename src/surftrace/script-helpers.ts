/** The fixed shell functions every generated script carries (POSIX sh, no bashisms). */
export const SCRIPT_HELPERS = String.raw`T=''
I=''
READER=''
SLEEPER=''
ENABLED=''
PROBES=''
MADE_INSTANCE=0
CLEANED=0
say() { printf 'surfhive: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
find_tracefs() {
  for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
    if [ -d "$d/instances" ]; then T=$d; return 0; fi
  done
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
  if [ -d /sys/kernel/tracing/instances ]; then T=/sys/kernel/tracing; return 0; fi
  die 'tracefs not found at /sys/kernel/tracing or /sys/kernel/debug/tracing (run as root)'
}
check_kernel() {
  r=$(uname -r)
  [ "$r" = "$KVER" ] || die "these probes were compiled for kernel $KVER, this host runs $r"
  m=$(uname -m)
  case "$m" in arm64) m=aarch64 ;; amd64) m=x86_64 ;; esac
  [ "$m" = "$KARCH" ] || die "these probes were compiled for $KARCH, this host is $m"
}
need_file() { [ -f "$T/$1" ] || die "$2"; }
need_dir() { [ -d "$I/$1" ] || die "$2"; }
last_error() { if [ -r "$T/error_log" ]; then tail -n 3 "$T/error_log" >&2; fi; }
put() {
  printf '%s\n' "$2" > "$T/$1" 2>/dev/null || { last_error; die "could not write $1"; }
}
add_probe() {
  printf '%s\n' "$3" >> "$T/$1" 2>/dev/null || { last_error; die "the kernel refused probe $2"; }
  PROBES="$PROBES $1:$2"
}
ksym() {
  f="$T/available_filter_functions"
  if [ -r "$f" ] && ! awk -v s="$1" '$1 == s { found = 1; exit } END { exit !found }' "$f"; then
    c=$(awk -v s="$1" 'index($1, s ".") == 1 && substr($1, length(s) + 1) ~ /^\.(isra|part|constprop|cold|llvm)\./ { print $1; exit }' "$f")
    if [ -n "$c" ]; then say "probing $c for $1"; echo "$c"; return 0; fi
  fi
  echo "$1"
}
ubin() {
  case "$1" in
    /*) if [ -f "$1" ]; then echo "$1"; return 0; fi ;;
    */*) if [ -f "$1" ]; then echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; return 0; fi ;;
    *)
      if [ -f "./$1" ]; then echo "$(pwd)/$1"; return 0; fi
      p=$(command -v "$1" 2>/dev/null)
      case "$p" in /*) echo "$p"; return 0 ;; esac
      p=$( (ldconfig -p || /sbin/ldconfig -p) 2>/dev/null | awk -v n="$1" 'index($1, n ".so") == 1 || index($1, "lib" n ".so") == 1 { print $NF; exit }')
      case "$p" in /*) echo "$p"; return 0 ;; esac
      ;;
  esac
  say "cannot find binary $1"
  return 1
}
uoffset() {
  command -v readelf >/dev/null 2>&1 || { say 'uprobes need readelf (binutils) on this host'; return 1; }
  a=$(readelf -Ws "$1" 2>/dev/null | awk -v s="$2" '($4 == "FUNC" || $4 == "IFUNC") && $7 != "UND" && ($NF == s || index($NF, s "@") == 1) { print $2; exit }')
  case "$a" in '' | *[!0-9a-fA-F]*) say "no function $2 in $1"; return 1 ;; esac
  a=$((0x$a + $3))
  r=$(readelf -lW "$1" 2>/dev/null | awk '$1 == "LOAD" { print $2, $3, $6 }' | while read -r o v m; do
    case "$o $v $m" in *[!0-9a-fA-Fx\ ]*) continue ;; esac
    if [ $((a >= v && a < v + m)) -eq 1 ]; then printf '0x%x\n' $((a - v + o)); break; fi
  done)
  [ -n "$r" ] || { say "no loadable segment holds $2 in $1"; return 1; }
  echo "$r"
}
cleanup() {
  [ "$CLEANED" = 1 ] && return 0
  CLEANED=1
  trap '' INT TERM HUP
  if [ -n "$SLEEPER" ]; then kill "$SLEEPER" 2>/dev/null; fi
  if [ -n "$READER" ]; then kill "$READER" 2>/dev/null; wait "$READER" 2>/dev/null; fi
  if [ "$MADE_INSTANCE" = 1 ]; then
    printf '0\n' > "$I/tracing_on" 2>/dev/null
    for e in $ENABLED; do printf '0\n' > "$I/events/$e/enable" 2>/dev/null; done
  fi
  for p in $PROBES; do
    printf '%s\n' "-:${'$'}{p#*:}" >> "$T/${'$'}{p%%:*}" 2>/dev/null || say "could not remove probe ${'$'}{p#*:}"
  done
  if [ "$MADE_INSTANCE" = 1 ]; then
    n=0
    until rmdir "$I" 2>/dev/null; do
      n=$((n + 1))
      if [ "$n" -ge 5 ]; then say "could not remove $I"; break; fi
      sleep 1
    done
  fi
}`;
