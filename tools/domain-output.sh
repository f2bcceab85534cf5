#!/usr/bin/env bash
# domain-output.sh NAME [LOG]: what domain NAME printed on ringvisor's
# console, as the domain wrote it: its "[NAME] " lines without the tag and
# carriage returns, each line that the console wrapped at the terminal's
# width ("[NAME]+" rows) joined again. Reads LOG or standard input.
set -u
name=$1
shift
tr -d '\r' < "${1:-/dev/stdin}" | awk -v tag="[$name]" '
	BEGIN { n = length(tag); have = 0 }
	substr($0, 1, n + 1) == tag " " { if (have) print cur; cur = substr($0, n + 2); have = 1; next }
	substr($0, 1, n + 1) == tag "+" { cur = cur substr($0, n + 2); have = 1; next }
	END { if (have) print cur }'
