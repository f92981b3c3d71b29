package jsonrpc

import (
	"encoding/json"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/demo"
)

// largeResponse64K is what the gateway relays for a tools/call whose result
// is 64 KiB of prose: the shape of the benchmark echo and the report tool.
func largeResponse64K() []byte {
	res := map[string]any{"content": []any{map[string]any{"type": "text", "text": demo.BenchText(65536)}}}
	r, err := json.Marshal(res)
	if err != nil {
		panic(err)
	}
	return NewResult(json.RawMessage(`1042`), json.RawMessage(r))
}

// BenchmarkLarge64K measures the response path on a 64 KiB result: strict
// validation, parsing, the id rewrite and a top-level lookup in the result.
// go test -run '^$' -bench 'Large|64K' -benchmem -count 5 ./internal/jsonrpc
func BenchmarkLarge64K(b *testing.B) {
	msg := largeResponse64K()
	m, perr := Parse(msg, DefaultLimits)
	if perr != nil {
		b.Fatal(perr)
	}
	b.Run("Strict", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for b.Loop() {
			if err := Strict(msg, DefaultLimits); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Parse", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Parse(msg, DefaultLimits); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Rewrite", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		id := json.RawMessage(`"gw-7"`)
		for b.Loop() {
			if _, err := Rewrite(m, id, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("FieldIsError", func(b *testing.B) {
		b.SetBytes(int64(len(m.Result)))
		b.ReportAllocs()
		for b.Loop() {
			if Field(m.Result, "isError") != nil {
				b.Fatal("isError found")
			}
		}
	})
}
