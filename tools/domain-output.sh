#!/usr/bin/env bash
# domain-output.sh NAME [LOG]: what domain NAME printed on ringvisor's
# console, as the domain wrote it: its "[NAME] " lines without the tag and
# carriage returns, each line that the console wrapped at the terminal's
# width ("[NAME]+" rows) joined again. Reads LOG or standard input.
#
# A row that other output (another domain's, the hypervisor's) cut short
# is shown as far as it had got and drawn again whole, with its tag, when
# the domain goes on with it (hv/console_line.c). So a row, other output,
# then a row of this domain of the same kind that begins with the first
# and goes further: only the second is the domain's.
set -u
name=$1
shift
tr -d '\r' < "${1:-/dev/stdin}" | awk -v tag="[$name]" '
	BEGIN { n = length(tag); have = 0; held = 0; between = 0; row = "" }
	function redraw(r) {
		return between && row != "" && length(r) > length(row) &&
		       substr(r, 1, length(row)) == row
	}
	function done(line, cut) {
		if (held && !(cut && prev != "" && length(line) > length(prev) &&
			      substr(line, 1, length(prev)) == prev))
			print prev
		prev = line; held = 1
	}
	substr($0, 1, n + 1) == tag " " {
		if (have) done(cur, cut)
		cut = between; between = 0
		cur = row = substr($0, n + 2); have = 1; next
	}
	substr($0, 1, n + 1) == tag "+" {
		r = substr($0, n + 2)
		if (redraw(r))
			cur = substr(cur, 1, length(cur) - length(row)) r
		else
			cur = cur r
		row = r; between = 0; have = 1; next
	}
	{ between = 1 }
	END { if (have) done(cur, cut); if (held) print prev }'
