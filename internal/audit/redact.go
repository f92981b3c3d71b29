package audit

import (
	"bytes"
	"encoding/json"
	"io"
	"sort"
	"strings"
)

// MinSecretLen is the shortest secret Redact replaces; shorter values would
// match ordinary text and destroy the evidence.
const MinSecretLen = 6

// Redacted replaces each secret occurrence.
const Redacted = "[REDACTED]"

// Redact returns raw (a serialized event or any JSON document) with every
// occurrence of each secret of at least MinSecretLen bytes replaced by
// "[REDACTED]". Occurrences are found in string values, object keys and
// numbers, however the JSON spells them (\u escapes, "\/" ...); a number
// that contains a secret becomes the string "[REDACTED]". The result is
// valid JSON whenever raw is. raw is not modified; if nothing matches, raw
// itself is returned. For repeated use build the redactor once with
// [NewRedactor].
func Redact(raw json.RawMessage, secrets []string) json.RawMessage {
	r := NewRedactor(secrets)
	if r == nil {
		return raw
	}
	return r(raw)
}

// NewRedactor returns a Redactor for secrets (see [Redact]), suitable for
// [WithRedactor]. It returns nil if no secret is long enough, which sinks
// treat as "no redaction".
func NewRedactor(secrets []string) Redactor {
	var plain []string
	seen := map[string]bool{}
	for _, s := range secrets {
		// A secret inside the marker itself would match forever; it
		// cannot leak anything, so it is skipped.
		if len(s) >= MinSecretLen && !seen[s] && !strings.Contains(Redacted, s) {
			seen[s] = true
			plain = append(plain, s)
		}
	}
	if len(plain) == 0 {
		return nil
	}
	// Longest first, so a secret that contains another is replaced whole.
	sort.Slice(plain, func(i, j int) bool { return len(plain[i]) > len(plain[j]) })

	// Byte patterns: the secret as is and as JSON string content with and
	// without HTML escaping (json.Marshal escapes <, >, &).
	var pats [][]byte
	seenPat := map[string]bool{}
	add := func(p string) {
		if p != "" && !seenPat[p] {
			seenPat[p] = true
			pats = append(pats, []byte(p))
		}
	}
	for _, s := range plain {
		add(s)
		q, _ := json.Marshal(s)
		add(string(q[1 : len(q)-1]))
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		q = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		add(string(q[1 : len(q)-1]))
	}
	sort.SliceStable(pats, func(i, j int) bool { return len(pats[i]) > len(pats[j]) })
	repl := []byte(Redacted)

	return func(b []byte) []byte {
		// Without \u or \/ escapes, a secret inside a JSON string can only
		// be spelled one way (the patterns above), so a byte replace is
		// exact. Otherwise decode the document and redact the values.
		ambiguous := bytes.Contains(b, []byte(`\u`)) || bytes.Contains(b, []byte(`\/`))
		out := b
		replaced := false
		for _, p := range pats {
			if bytes.Contains(out, p) {
				out = bytes.ReplaceAll(out, p, repl) // copies; b stays intact
				replaced = true
			}
		}
		if replaced && !ambiguous && containsAny(out, pats) {
			// The marker next to remaining text re-formed a secret
			// (e.g. "ED]ED]"); let the walk handle it.
			ambiguous = true
		}
		if !ambiguous && (!replaced || json.Valid(out)) {
			return out
		}
		if walked, changed, ok := redactWalk(b, plain); ok {
			if !changed {
				return b
			}
			return walked
		}
		return out // invalid JSON input: best effort
	}
}

// redactWalk re-encodes the JSON document b token by token, keeping member
// order, with secrets replaced in strings, keys and numbers. changed
// reports whether anything was replaced; ok is false if b is not valid JSON.
func redactWalk(b []byte, secrets []string) (out []byte, changed, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	out = make([]byte, 0, len(b))
	type frame struct {
		obj bool
		n   int
	}
	var stack []frame
	top := 0 // values written at top level
	redactStr := func(s string) string {
		for round := 0; ; round++ {
			hit := false
			for _, sec := range secrets {
				if strings.Contains(s, sec) {
					if round == 3 {
						// Still re-forming after repeated passes: give
						// up on precision and drop the whole value.
						return Redacted
					}
					s = strings.ReplaceAll(s, sec, Redacted)
					hit, changed = true, true
				}
			}
			if !hit {
				return s
			}
		}
	}
	// sep writes what must precede the next token and reports whether the
	// token is an object key.
	sep := func() bool {
		if len(stack) == 0 {
			if top > 0 {
				out = append(out, '\n')
			}
			top++
			return false
		}
		f := &stack[len(stack)-1]
		defer func() { f.n++ }()
		if f.obj {
			if f.n%2 == 0 {
				if f.n > 0 {
					out = append(out, ',')
				}
				return true
			}
			return false
		}
		if f.n > 0 {
			out = append(out, ',')
		}
		return false
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, false
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				sep()
				out = append(out, byte(t))
				stack = append(stack, frame{obj: t == '{'})
			default:
				if len(stack) == 0 {
					return nil, false, false
				}
				stack = stack[:len(stack)-1]
				out = append(out, byte(t))
			}
		case string:
			isKey := sep()
			q, _ := json.Marshal(redactStr(t))
			out = append(out, q...)
			if isKey {
				out = append(out, ':')
			}
		case json.Number:
			sep()
			if r := redactStr(string(t)); r != string(t) {
				out = append(out, `"`+Redacted+`"`...)
			} else {
				out = append(out, t...)
			}
		case bool:
			sep()
			if t {
				out = append(out, "true"...)
			} else {
				out = append(out, "false"...)
			}
		case nil:
			sep()
			out = append(out, "null"...)
		}
	}
	if len(stack) != 0 || top == 0 {
		return nil, false, false
	}
	return out, changed, true
}

func containsAny(b []byte, pats [][]byte) bool {
	for _, p := range pats {
		if bytes.Contains(b, p) {
			return true
		}
	}
	return false
}
