package jsonrpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// strictRefCheck is a slow reference for Strict built on encoding/json: it
// returns "" when b should be accepted with the given depth limit, else the
// class of the refusal. It exists for differential testing only.
func strictRefCheck(b []byte, maxDepth int) string {
	if !json.Valid(b) {
		return "syntax"
	}
	if !utf8.Valid(b) {
		return "utf8"
	}
	if strictRefLoneSurrogate(b) {
		return "surrogate"
	}
	type frame struct {
		obj       bool
		expectKey bool
		keys      []string
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].obj {
			stack[n-1].expectKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return ""
		}
		if err != nil {
			return "syntax"
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, &frame{obj: t == '{', expectKey: t == '{'})
				if len(stack) > maxDepth {
					return "depth"
				}
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].expectKey {
				f := stack[n-1]
				for _, k := range f.keys {
					if strings.EqualFold(k, t) {
						return "duplicate"
					}
				}
				f.keys = append(f.keys, t)
				f.expectKey = false
				continue
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// strictRefLoneSurrogate reports whether syntactically valid JSON b holds a
// \u escape of a surrogate that is not part of a high-low pair.
func strictRefLoneSurrogate(b []byte) bool {
	in := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !in {
			in = c == '"'
			continue
		}
		switch c {
		case '"':
			in = false
		case '\\':
			if b[i+1] != 'u' {
				i++
				continue
			}
			r := strictHex(b[i+2 : i+6])
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return true
			case r >= 0xD800 && r <= 0xDBFF:
				if i+12 > len(b) || b[i+6] != '\\' || b[i+7] != 'u' {
					return true
				}
				r2 := strictHex(b[i+8 : i+12])
				if r2 < 0xDC00 || r2 > 0xDFFF {
					return true
				}
				i += 11
			default:
				i += 5
			}
		}
	}
	return false
}

func FuzzStrict(f *testing.F) {
	for _, tc := range strictRefusals {
		f.Add([]byte(tc.in))
	}
	for _, s := range strictValid {
		f.Add([]byte(s))
	}
	f.Add(strictMessage1K())
	f.Add([]byte(`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"r":18,"\u212a":19}`))
	f.Add([]byte(`{"\ud83d\ude00":1,"\uD83D\uDE00x":2,"ſ":3}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		err := Strict(b, Limits{})
		if err != nil {
			se, ok := err.(*StrictError)
			if !ok {
				t.Fatalf("error of type %T, want *StrictError", err)
			}
			if se.Offset < 0 || se.Offset > len(b) {
				t.Fatalf("offset %d outside input of %d bytes", se.Offset, len(b))
			}
			if len(se.Path) > strictMaxPath || !utf8.ValidString(se.Path) {
				t.Fatalf("bad path %q", se.Path)
			}
			if se.Reason == "" {
				t.Fatal("empty reason")
			}
			_ = se.Error()
		} else {
			if !json.Valid(b) {
				t.Fatalf("Strict accepted what json.Valid refuses: %q", b)
			}
			if !utf8.Valid(b) {
				t.Fatalf("Strict accepted invalid UTF-8: %q", b)
			}
		}
		ref := strictRefCheck(b, StrictDefaultMaxDepth)
		if (err == nil) != (ref == "") {
			t.Fatalf("Strict and reference disagree on %q: Strict=%v reference=%q", b, err, ref)
		}
		if len(b) > 1 {
			if Strict(b, Limits{MaxBytes: len(b) - 1}) == nil {
				t.Fatalf("MaxBytes %d not enforced", len(b)-1)
			}
		}
		if err == nil {
			if e := Strict(b, Limits{MaxBytes: len(b) + 1, MaxDepth: 1000}); e != nil {
				t.Fatalf("looser limits refused an accepted input: %v", e)
			}
		}
	})
}
