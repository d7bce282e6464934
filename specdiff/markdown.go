package specdiff

import (
	"fmt"
	"strings"
)

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

// maxValue is the most bytes of a value a Markdown line shows; the text
// report shows values whole.
const maxValue = 200

// shortCode is a value as a code span, cut to maxValue bytes (at a
// character boundary) with how much was left out.
func shortCode(s string) string {
	if len(s) <= maxValue {
		return CodeSpan(s)
	}
	cut := maxValue
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return CodeSpan(s[:cut]+"…") + fmt.Sprintf(" (%s bytes in all)", count(len(s)))
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
