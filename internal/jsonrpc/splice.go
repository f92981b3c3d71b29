package jsonrpc

import (
	"bytes"
	"encoding/json"
	"errors"
)

var errSplice = errors.New("jsonrpc: not a JSON object")

// splice returns obj (a JSON object that passed Strict, so its keys are
// unique) with the values of the top-level keys in repl replaced, or added
// when absent, and every other byte kept as it was. It scans once and
// allocates only the result, so large results are not decoded to change an id.
func splice(obj []byte, repl map[string][]byte) ([]byte, error) {
	i := skipWS(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, errSplice
	}
	out := make([]byte, 0, len(obj)+64)
	done := make(map[string]bool, len(repl))
	last := 0 // obj[last:] not yet copied
	i++
	members := 0
	for {
		i = skipWS(obj, i)
		if i >= len(obj) {
			return nil, errSplice
		}
		if obj[i] == '}' {
			break
		}
		if obj[i] == ',' {
			i = skipWS(obj, i+1)
		}
		kStart := i
		kEnd, err := skipString(obj, i)
		if err != nil {
			return nil, err
		}
		var key string
		if bytes.IndexByte(obj[kStart+1:kEnd-1], '\\') < 0 {
			key = string(obj[kStart+1 : kEnd-1])
		} else if err := json.Unmarshal(obj[kStart:kEnd], &key); err != nil {
			return nil, err
		}
		i = skipWS(obj, kEnd)
		if i >= len(obj) || obj[i] != ':' {
			return nil, errSplice
		}
		vStart := skipWS(obj, i+1)
		vEnd, err := skipValue(obj, vStart)
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

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i].
func skipString(b []byte, i int) (int, error) {
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
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errSplice
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e, err := skipString(b, j)
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
func eachMember(obj []byte, fn func(key string, val []byte) bool) error {
	i := skipWS(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return errSplice
	}
	i++
	for {
		i = skipWS(obj, i)
		if i >= len(obj) {
			return errSplice
		}
		if obj[i] == '}' {
			return nil
		}
		if obj[i] == ',' {
			i = skipWS(obj, i+1)
		}
		kEnd, err := skipString(obj, i)
		if err != nil {
			return err
		}
		var key string
		if bytes.IndexByte(obj[i+1:kEnd-1], '\\') < 0 {
			key = string(obj[i+1 : kEnd-1])
		} else if err := json.Unmarshal(obj[i:kEnd], &key); err != nil {
			return err
		}
		i = skipWS(obj, kEnd)
		if i >= len(obj) || obj[i] != ':' {
			return errSplice
		}
		vStart := skipWS(obj, i+1)
		vEnd, err := skipValue(obj, vStart)
		if err != nil {
			return err
		}
		if !fn(key, obj[vStart:vEnd]) {
			return nil
		}
		i = vEnd
	}
}
