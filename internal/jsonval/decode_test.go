package jsonval

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func stdDecode(b []byte, useNumber bool) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if useNumber {
		dec.UseNumber()
	}
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if len(bytes.Trim(b[dec.InputOffset():], " \t\r\n")) > 0 {
		return nil, ErrSyntax // trailing data
	}
	return v, nil
}

// FuzzDecode: both modes give exactly what encoding/json gives, and refuse
// what it refuses.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a": 1, "b": [1, "x", {"c": null}], "d": 1e400}`, `{"path": "/srv/\u0000\n"}`, `[1.5e3, -0, true, false, null]`,
		`"str\"ing"`, `{"n": 12345678901234567890}`, `{} x`, `{"a":}`, `  {"k": "v"}  `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, useNumber := range []bool{false, true} {
			got, err := decode([]byte(raw), useNumber)
			want, werr := stdDecode([]byte(raw), useNumber)
			if (err == nil) != (werr == nil) {
				t.Fatalf("%q (numbers %v): error %v, encoding/json %v", raw, useNumber, err, werr)
			}
			if err == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("%q (numbers %v): %#v, encoding/json %#v", raw, useNumber, got, want)
			}
		}
	})
}

func BenchmarkDecode64K(b *testing.B) {
	msg := bytes.Repeat([]byte("The quarterly report shows revenue grew in every region. "), 1200)
	doc, _ := json.Marshal(map[string]any{"message": string(msg), "n": 3})
	b.Run("jsonval", func(b *testing.B) {
		for b.Loop() {
			_, _ = Decode(doc)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			var v any
			_ = json.Unmarshal(doc, &v)
		}
	})
}
