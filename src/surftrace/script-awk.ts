/**
 * Rewrites `ip_*` fields as dotted IPv4 and `b16_*`/`B16_*`... fields as
 * byte-swapped numbers (decimal / hex), as the client shows them.
 * Values beyond 2^53 are left as the kernel printed them.
 */
export const OUTPUT_AWK = `function hexval(s,   i, c, v) {
  v = 0; s = tolower(s)
  for (i = 3; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; if (c < 0) return -1; v = v * 16 + c }
  return v
}
function num(s) { if (s ~ /^0[xX][0-9a-fA-F]+$/) return hexval(s); if (s ~ /^[0-9]+$/) return s + 0; return -1 }
function swap(v, n,   i, r) { r = 0; for (i = 0; i < n; i++) { r = r * 256 + (v % 256); v = int(v / 256) } return r }
{
  for (i = 1; i <= NF; i++) {
    eq = index($i, "="); if (eq < 2) continue
    name = substr($i, 1, eq - 1); v = num(substr($i, eq + 1))
    if (v < 0 || v > 9007199254740991) continue
    if (name ~ /^ip_/ && v <= 4294967295) $i = name "=" (v % 256) "." (int(v / 256) % 256) "." (int(v / 65536) % 256) "." int(v / 16777216)
    else if (name ~ /^[bB](16|32)_/ || (name ~ /^[bB]64_/ && v < 4294967296)) {
      r = swap(v, substr(name, 2, 2) / 8)
      $i = name "=" (substr(name, 1, 1) == "B" ? sprintf("%x", r) : sprintf("%d", r))
    }
  }
  print; fflush()
}`;
