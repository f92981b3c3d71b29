package jsonrpc

// Reference implementations: the per-byte string scan and the member walk as
// they were before they were made to skip in bulk. The differential tests and
// fuzz targets in strict_diff_test.go check the fast code against them.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// refStr is the previous per-byte str, kept as a reference. It validates the string whose opening quote is at b[i]. It returns the
// offset just past the closing quote, the number of code points the string
// decodes to, and whether it holds escapes.
func (p *strictParser) refStr(i int) (int, int, bool, *StrictError) {
	b := p.b
	j := i + 1
	runes := 0
	esc := false
	for {
		start := j
		for j < len(b) && strictPlain[b[j]] {
			j++
		}
		runes += j - start
		if j >= len(b) {
			return j, 0, false, p.fail(len(b), "unexpected end of input in string")
		}
		switch c := b[j]; {
		case c == '"':
			return j + 1, runes, esc, nil
		case c == '\\':
			esc = true
			var err *StrictError
			if j, err = p.escape(j); err != nil {
				return j, 0, false, err
			}
			runes++
		case c < 0x20:
			return j, 0, false, p.fail(j, fmt.Sprintf("unescaped control character 0x%02x in string", c))
		default:
			r, size := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && size == 1 {
				return j, 0, false, p.fail(j, fmt.Sprintf("invalid UTF-8 (byte 0x%02x) in string", c))
			}
			j += size
			runes++
		}
	}
}

// refField is the previous Field.
func refField(obj json.RawMessage, key string) json.RawMessage {
	if len(obj) == 0 {
		return nil
	}
	var out json.RawMessage
	_ = refEachMember(obj, func(k string, v []byte) bool {
		if k == key {
			out = v
			return false
		}
		return true
	})
	return out
}

// splice returns obj (a JSON object that passed Strict, so its keys are
// unique) with the values of the top-level keys in repl replaced, or added
// when absent, and every other byte kept as it was. It scans once and
// allocates only the result, so large results are not decoded to change an id.
func refSplice(obj []byte, repl map[string][]byte) ([]byte, error) {
	i := refSkipWS(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, errSplice
	}
	out := make([]byte, 0, len(obj)+64)
	done := make(map[string]bool, len(repl))
	last := 0 // obj[last:] not yet copied
	i++
	members := 0
	for {
		i = refSkipWS(obj, i)
		if i >= len(obj) {
			return nil, errSplice
		}
		if obj[i] == '}' {
			break
		}
		if obj[i] == ',' {
			i = refSkipWS(obj, i+1)
		}
		kStart := i
		kEnd, err := refSkipString(obj, i)
		if err != nil {
			return nil, err
		}
		var key string
		if bytes.IndexByte(obj[kStart+1:kEnd-1], '\\') < 0 {
			key = string(obj[kStart+1 : kEnd-1])
		} else if err := json.Unmarshal(obj[kStart:kEnd], &key); err != nil {
			return nil, err
		}
		i = refSkipWS(obj, kEnd)
		if i >= len(obj) || obj[i] != ':' {
			return nil, errSplice
		}
		vStart := refSkipWS(obj, i+1)
		vEnd, err := refSkipValue(obj, vStart)
		if err != nil {
			return nil, err
		}
		if nv, ok := repl[key]; ok && !done[key] {
			out = append(out, obj[last:vStart]...)
			out = append(out, nv...)
			last = vEnd
			done[key] = true
		}
		members++
		i = vEnd
	}
	// i is at the closing brace: add the keys that were absent.
	out = append(out, obj[last:i]...)
	for k, v := range repl {
		if done[k] || v == nil {
			continue
		}
		if members > 0 {
			out = append(out, ',')
		}
		kb, _ := json.Marshal(k)
		out = append(out, kb...)
		out = append(out, ':')
		out = append(out, v...)
		members++
	}
	out = append(out, obj[i:]...)
	return out, nil
}

func refSkipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i].
func refSkipString(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '"' {
		return 0, errSplice
	}
	// The string ends at the first quote preceded by an even number of
	// backslashes. IndexByte is vectorised: long strings cost little.
	for j := i + 1; j < len(b); {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			break
		}
		j += k
		n := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j + 1, nil
		}
		j++
	}
	return 0, errSplice
}

// skipValue returns the index after the value starting at b[i].
func refSkipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errSplice
	}
	switch b[i] {
	case '"':
		return refSkipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e, err := refSkipString(b, j)
				if err != nil {
					return 0, err
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errSplice
	default: // number, true, false, null
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
			j++
		}
		if j == i {
			return 0, errSplice
		}
		return j, nil
	}
}

// eachMember calls fn for each top-level member of the JSON object obj, in
// order, with the decoded key and the raw value, until fn returns false.
func refEachMember(obj []byte, fn func(key string, val []byte) bool) error {
	i := refSkipWS(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return errSplice
	}
	i++
	for {
		i = refSkipWS(obj, i)
		if i >= len(obj) {
			return errSplice
		}
		if obj[i] == '}' {
			return nil
		}
		if obj[i] == ',' {
			i = refSkipWS(obj, i+1)
		}
		kEnd, err := refSkipString(obj, i)
		if err != nil {
			return err
		}
		var key string
		if bytes.IndexByte(obj[i+1:kEnd-1], '\\') < 0 {
			key = string(obj[i+1 : kEnd-1])
		} else if err := json.Unmarshal(obj[i:kEnd], &key); err != nil {
			return err
		}
		i = refSkipWS(obj, kEnd)
		if i >= len(obj) || obj[i] != ':' {
			return errSplice
		}
		vStart := refSkipWS(obj, i+1)
		vEnd, err := refSkipValue(obj, vStart)
		if err != nil {
			return err
		}
		if !fn(key, obj[vStart:vEnd]) {
			return nil
		}
		i = vEnd
	}
}
