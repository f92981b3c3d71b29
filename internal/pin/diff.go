package pin

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// Change describes how a definition differs from its pin, for a human
// reviewing it: a line diff of the canonical forms and what the change
// adds in capability.
type Change struct {
	// Diff is a line diff of the pretty-printed canonical definitions
	// ("- " removed, "+ " added, "  " context), empty for a new definition.
	Diff string `json:"diff"`
	// CapabilityWords are capability words (read, send, execute, http ...)
	// the new definition has and the pinned one had not.
	CapabilityWords []string `json:"capability_words,omitempty"`
	// NewArguments are input properties the pinned definition did not have;
	// RiskyArguments those of them that take a URL, host or command.
	NewArguments   []string `json:"new_arguments,omitempty"`
	RiskyArguments []string `json:"risky_arguments,omitempty"`
	// Severity: "high" when the change adds capability words or risky
	// arguments, else "medium" (any unreviewed change is worth a look).
	Severity string `json:"severity"`
}

// capabilityWords are words that, appearing in a changed definition, say
// it now reads, sends, runs or reaches more than before.
var capabilityWords = map[string]bool{
	"read": true, "reads": true, "write": true, "writes": true, "send": true, "sends": true, "email": true, "mail": true,
	"bcc": true, "forward": true, "execute": true, "executes": true, "exec": true, "eval": true, "shell": true,
	"command": true, "commands": true, "run": true, "runs": true, "spawn": true, "upload": true, "uploads": true,
	"download": true, "http": true, "https": true, "url": true, "webhook": true, "fetch": true, "post": true,
	"credential": true, "credentials": true, "password": true, "passwords": true, "token": true, "tokens": true,
	"secret": true, "secrets": true, "ssh": true, "env": true, "key": true, "keys": true, "delete": true,
	"transfer": true, "exfiltrate": true, "file": true, "files": true, "network": true, "socket": true,
}

// riskyArgument says whether an input property takes a URL, host or command.
func riskyArgument(name string, schema json.RawMessage) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"url", "uri", "endpoint", "host", "webhook", "callback", "command", "cmd", "script", "code", "exec", "shell", "eval"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	var s struct {
		Format string `json:"format"`
	}
	_ = json.Unmarshal(schema, &s)
	return s.Format == "uri" || s.Format == "url" || s.Format == "hostname" || s.Format == "uri-reference"
}

// Compare describes the change from pinned (a canonical definition, nil
// for a definition never pinned) to current (a definition of kind).
func Compare(kind string, pinned, current json.RawMessage) Change {
	cur, err := Canonical(kind, current)
	if err != nil {
		cur = current
	}
	var ch Change
	oldWords := words(pinned)
	added := map[string]bool{}
	for w := range words(cur) {
		if capabilityWords[w] && !oldWords[w] {
			added[w] = true
		}
	}
	for w := range added {
		ch.CapabilityWords = append(ch.CapabilityWords, w)
	}
	slices.Sort(ch.CapabilityWords)
	if kind == KindTool {
		oldProps := properties(pinned)
		for name, schema := range properties(cur) {
			if _, ok := oldProps[name]; !ok {
				ch.NewArguments = append(ch.NewArguments, name)
				if riskyArgument(name, schema) {
					ch.RiskyArguments = append(ch.RiskyArguments, name)
				}
			}
		}
		slices.Sort(ch.NewArguments)
		slices.Sort(ch.RiskyArguments)
	}
	if pinned != nil {
		ch.Diff = lineDiff(pretty(pinned), pretty(cur))
	}
	ch.Severity = "medium"
	if len(ch.CapabilityWords) > 0 || len(ch.RiskyArguments) > 0 {
		ch.Severity = "high"
	}
	if pinned == nil {
		// A new definition has no "before": its capability words are all
		// new, which says nothing. Risky arguments still count.
		ch.CapabilityWords = nil
		ch.Severity = "medium"
		if len(ch.RiskyArguments) > 0 {
			ch.Severity = "high"
		}
	}
	return ch
}

// words returns the lower-case words of every string in a JSON document.
func words(doc json.RawMessage) map[string]bool {
	out := map[string]bool{}
	if len(doc) == 0 {
		return out
	}
	var v any
	if json.Unmarshal(doc, &v) != nil {
		return out
	}
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			for _, w := range strings.FieldsFunc(strings.ToLower(t), func(r rune) bool { return r < 'a' || r > 'z' }) {
				out[w] = true
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		case map[string]any:
			for k, x := range t {
				walk(k)
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

func properties(def json.RawMessage) map[string]json.RawMessage {
	var d struct {
		InputSchema struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"inputSchema"`
	}
	_ = json.Unmarshal(def, &d)
	return d.InputSchema.Properties
}

func pretty(doc json.RawMessage) []string {
	var b bytes.Buffer
	if json.Indent(&b, doc, "", "  ") != nil {
		return strings.Split(string(doc), "\n")
	}
	return strings.Split(b.String(), "\n")
}

// lineDiff is a longest-common-subsequence line diff with one line of
// context around each change; definitions are small, so the quadratic
// table is fine (bounded anyway).
func lineDiff(a, b []string) string {
	const maxLines = 2000
	if len(a) > maxLines || len(b) > maxLines {
		return "(definitions too long to diff: " + itoa(len(a)) + " and " + itoa(len(b)) + " lines)"
	}
	n, m := len(a), len(b)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte
		text string
	}
	var ops []line
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, line{' ', a[i]})
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			ops = append(ops, line{'+', b[j]})
			j++
		default:
			ops = append(ops, line{'-', a[i]})
			i++
		}
	}
	keep := make([]bool, len(ops))
	for k, o := range ops {
		if o.op != ' ' {
			for c := max(0, k-1); c <= min(len(ops)-1, k+1); c++ {
				keep[c] = true
			}
		}
	}
	var sb strings.Builder
	gap := false
	for k, o := range ops {
		if !keep[k] {
			gap = true
			continue
		}
		if gap && sb.Len() > 0 {
			sb.WriteString("  ...\n")
		}
		gap = false
		sb.WriteByte(o.op)
		sb.WriteByte(' ')
		sb.WriteString(o.text)
		sb.WriteByte('\n')
	}
	return sb.String()
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
