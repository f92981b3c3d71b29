package scan

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Finding is one thing the scanner saw. Start and End are a byte span in the
// text of Field (Start <= End <= len(text)).
type Finding struct {
	Server   string   `json:"server"`
	Tool     string   `json:"tool"`
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Field    string   `json:"field"`
	Excerpt  string   `json:"excerpt"`
	Start    int      `json:"start"`
	End      int      `json:"end"`
	Message  string   `json:"message"`
}

// Max returns the highest severity among fs, Info when fs is empty.
func Max(fs []Finding) Severity {
	m := Info
	for _, f := range fs {
		if f.Severity > m {
			m = f.Severity
		}
	}
	return m
}

func less(a, b *Finding) bool {
	if a.Server != b.Server {
		return a.Server < b.Server
	}
	if a.Tool != b.Tool {
		return a.Tool < b.Tool
	}
	if a.Field != b.Field {
		return a.Field < b.Field
	}
	if a.Start != b.Start {
		return a.Start < b.Start
	}
	if a.Rule != b.Rule {
		return a.Rule < b.Rule
	}
	if a.End != b.End {
		return a.End < b.End
	}
	if a.Severity != b.Severity {
		return a.Severity > b.Severity
	}
	return a.Message < b.Message
}

// finish sorts findings into their deterministic order and drops exact
// duplicates (same place, same rule: the highest severity is kept).
func finish(fs []Finding) []Finding {
	if len(fs) == 0 {
		return []Finding{}
	}
	sort.SliceStable(fs, func(i, j int) bool { return less(&fs[i], &fs[j]) })
	out := fs[:0]
	for i := range fs {
		if n := len(out); n > 0 {
			p := &out[n-1]
			if p.Server == fs[i].Server && p.Tool == fs[i].Tool && p.Field == fs[i].Field &&
				p.Start == fs[i].Start && p.End == fs[i].End && p.Rule == fs[i].Rule {
				continue // sorted by severity descending within equal keys
			}
		}
		out = append(out, fs[i])
	}
	return out
}

const excerptMax = 160

// excerpt renders text[start:end] with a little context, invisible and
// control characters shown as escapes, at most about excerptMax characters.
func excerpt(text string, start, end int) string {
	if start < 0 {
		start = 0
	}
	if end > len(text) {
		end = len(text)
	}
	if start > end {
		start = end
	}
	// widen to context, on rune boundaries
	const ctx = 40
	a, b := start, end
	if b-a > excerptMax-2*ctx {
		b = a + excerptMax - 2*ctx
	}
	for i := 0; i < ctx && a > 0; i++ {
		_, sz := utf8.DecodeLastRuneInString(text[:a])
		a -= sz
	}
	for i := 0; i < ctx && b < len(text); i++ {
		_, sz := utf8.DecodeRuneInString(text[b:])
		b += sz
	}
	for a < len(text) && !utf8.RuneStart(text[a]) {
		a++
	}
	var sb strings.Builder
	if a > 0 {
		sb.WriteString("…")
	}
	n := 0
	for i := a; i < b; {
		r, sz := utf8.DecodeRuneInString(text[i:])
		i += sz
		if n >= excerptMax {
			break
		}
		n++
		switch {
		case r == utf8.RuneError && sz == 1:
			sb.WriteString(`\ufffd`)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r == '\t':
			sb.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&sb, `\u%04x`, r)
		case isInvisible(r):
			if r > 0xffff {
				fmt.Fprintf(&sb, `\U%08x`, r)
			} else {
				fmt.Fprintf(&sb, `\u%04x`, r)
			}
		default:
			sb.WriteRune(r)
		}
	}
	if b < len(text) {
		sb.WriteString("…")
	}
	return sb.String()
}
