package specdiff

import "strings"

// CodeSpan returns s as a Markdown code span. Per CommonMark, a span opened
// with n backticks ends at the next run of exactly n, so the delimiter is
// one longer than the longest run inside s; a space pads s when it starts
// or ends with a backtick (the padding is stripped when rendered).
func CodeSpan(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return ticks + s + ticks
}

// Fence returns a backtick fence for a fenced code block holding body: at
// least three backticks, and longer than any run of backticks in body, so
// that no line of body (a diff of a file holding ``` included) can close
// the block early.
func Fence(body string) string {
	return strings.Repeat("`", max(3, longestRun(body, '`')+1))
}

func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}
