package jsonrpc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// The fast string scan (str) and member walk (Field, eachMember, splice)
// are checked against the per-byte versions they replaced, kept in
// ref_test.go: same offsets, counts and errors on every input.

// splice is spliceKV with the replacements as a map (absent keys are added
// in map order), as the tests use it. It returns obj (a JSON object that passed Strict, so its keys are
// unique) with the values of the top-level keys in repl replaced, or added
// when absent, and every other byte kept as it was.
func splice(obj []byte, repl map[string][]byte) ([]byte, error) {
	keys := make([]string, 0, len(repl))
	vals := make([][]byte, 0, len(repl))
	for k, v := range repl {
		keys = append(keys, k)
		vals = append(vals, v)
	}
	return spliceKV(obj, keys, vals)
}

// diffSpecials are byte sequences that end a run of plain bytes: escapes
// (good, bad, surrogates paired and not), control bytes, quotes, and UTF-8
// good and bad (overlong, encoded surrogates, truncated, above U+10FFFF).
var diffSpecials = []string{
	"\x00", "\x01", "\x02", "\x1f", " ", "~", "\x7f", `"`, `\`, `\\`, `\"`, `\n`, `\/`, `\x`,
	`\u00e9`, `\u00E9`, `\u12`, `\u12g4`, `\ud83d\ude00`, `\ud83d`, `\ude00`, `\ud83dx`, `\ud83d\u0041`, `\ud83d\`,
	"é", "€", "😀", "\x80", "\xbf", "\xc0\xaf", "\xc3", "\xed\xa0\x80", "\xed\x9f\xbf", "\xe2\x82", "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xff",
	"[", "]", "{", "}", ":", ",", "\x5b\x5d", "\x22",
}

// diffLens are run lengths around the scan's word and mode boundaries.
var diffLens = []int{0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 39, 40, 63, 64, 65, 255, 256, 257, 263, 264, 300, 520}

func diffCheckStr(t *testing.T, b []byte) {
	t.Helper()
	p := strictParser{b: b, maxDepth: StrictDefaultMaxDepth}
	j, runes, esc, err := p.str(0)
	rj, rrunes, resc, rerr := p.refStr(0)
	if j != rj || runes != rrunes || esc != resc || (err == nil) != (rerr == nil) ||
		err != nil && (err.Offset != rerr.Offset || err.Reason != rerr.Reason) {
		t.Fatalf("str(%q) = %d, %d, %v, %v; reference %d, %d, %v, %v", b, j, runes, esc, err, rj, rrunes, resc, rerr)
	}
}

func TestStrictStrMatchesReference(t *testing.T) {
	for _, n := range diffLens {
		for pos := 0; pos <= n; pos++ {
			if n > 70 && pos > 40 && pos < n-40 && (pos < 220 || pos > 300) {
				continue
			}
			for _, sp := range diffSpecials {
				s := `"` + strings.Repeat("a", pos) + sp + strings.Repeat("b", n-pos)
				diffCheckStr(t, []byte(s))
				diffCheckStr(t, []byte(s+`"`))
				diffCheckStr(t, []byte(s+`"x`))
				diffCheckStr(t, []byte(s+sp+`"`))
			}
		}
	}
	// Long plain runs, then escapes (back to short mode), then long again,
	// non-ASCII inside a long run, an escaped quote the scan had found as
	// the next quote.
	for _, s := range []string{
		strings.Repeat("x", 300) + `\n` + strings.Repeat("y", 300) + "é" + strings.Repeat("z", 10) + `\"` + strings.Repeat("w", 300) + `"`,
		strings.Repeat("x", 300) + `\"` + strings.Repeat("y", 300) + `\\"`,
		strings.Repeat("x", 270) + "\xed\xa0\x80" + strings.Repeat("y", 300) + `"`,
		strings.Repeat("é", 200) + strings.Repeat("x", 300) + "\x1f",
		strings.Repeat("x", 300) + `\ud83d\ude00` + strings.Repeat("y", 300) + "\xff" + `"`,
		strings.Repeat(`\n`, 200) + strings.Repeat("q", 300) + strings.Repeat(`\t`, 3) + `"`,
		strings.Repeat("abcdefgh", 40) + `\` + strings.Repeat("abcdefgh", 40),
	} {
		diffCheckStr(t, []byte(`"`+s))
	}
}

// FuzzStrictStr compares str with the per-byte reference on a string made
// of the fuzzer's bytes with a run of plain bytes (up to 1000) put in at a
// chosen place, so that runs cross word boundaries and reach long mode.
func FuzzStrictStr(f *testing.F) {
	for i, sp := range diffSpecials {
		f.Add([]byte(sp+`"`), uint16(diffLens[i%len(diffLens)]), uint16(i))
		f.Add([]byte("ab"+sp+"cd"+sp), uint16(300+i), uint16(0))
	}
	f.Add([]byte(`x\n\u00e9\ud83d\ude00"`), uint16(260), uint16(2))
	f.Fuzz(func(t *testing.T, data []byte, run, at uint16) {
		k := int(at) % (len(data) + 1)
		b := make([]byte, 0, 1+len(data)+int(run%1000))
		b = append(b, '"')
		b = append(b, data[:k]...)
		b = append(b, strings.Repeat("p", int(run%1000))...)
		b = append(b, data[k:]...)
		diffCheckStr(t, b)
	})
}

// diffCheckMembers compares Field, eachMember and splice with the
// references on obj.
func diffCheckMembers(t *testing.T, obj []byte, key string) {
	t.Helper()
	for _, k := range []string{key, "id", "isError", "content"} {
		got, want := Field(obj, k), refField(obj, k)
		if !bytes.Equal(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("Field(%q, %q) = %q; reference %q", obj, k, got, want)
		}
	}
	type kv struct{ k, v string }
	var got, want []kv
	err := eachMember(obj, func(k string, v []byte) bool { got = append(got, kv{k, string(v)}); return true })
	rerr := refEachMember(obj, func(k string, v []byte) bool { want = append(want, kv{k, string(v)}); return true })
	if fmt.Sprint(got, err) != fmt.Sprint(want, rerr) {
		t.Fatalf("eachMember(%q) = %v, %v; reference %v, %v", obj, got, err, want, rerr)
	}
	for _, k := range []string{key, "id"} {
		repl := map[string][]byte{k: []byte(`"gw-1"`)}
		out, err := splice(obj, repl)
		rout, rerr := refSplice(obj, repl)
		if !bytes.Equal(out, rout) || fmt.Sprint(err) != fmt.Sprint(rerr) {
			t.Fatalf("splice(%q, %q) = %q, %v; reference %q, %v", obj, k, out, err, rout, rerr)
		}
	}
}

func TestMembersMatchReference(t *testing.T) {
	objs := []string{
		string(largeResponse64K()),
		`{"content":[{"type":"text","text":"a\"b\\"}],"isError":false}`,
		`{ "a" : [1, 22, 333, 4444, 55555, 666666, 7777777, 88888888, {"b":"]}\"["}] , "i\u0073Error" : true }`,
		`{"a":"` + "\x02" + `","b":[` + "\x02" + `]}`,
		`{"a":[[[[[[[[[[[1]]]]]]]]]]],"b":{"c":{"d":{}}},"id":7}`,
		`{"a":1 "id":2}`, `{,"id":1}`, `{"a":[1,2}`, `{"a":"x`, `{"a"}`, `{"\ud83d":1}`, `{"\x":1}`, `{"a":}`, `{`, `[]`, ``, `  {}  `,
	}
	for _, n := range diffLens {
		objs = append(objs, `{"s":[`+strings.Repeat("1,", n)+`2],"isError":true}`)
		objs = append(objs, `{"s":{"t":"`+strings.Repeat(`\\`, n)+`"},"id":1}`)
		objs = append(objs, `{"s":[`+strings.Repeat(" ", n)+`"x"`+strings.Repeat("\t", n)+`],"id":1}`)
	}
	for _, o := range objs {
		diffCheckMembers(t, []byte(o), "s")
	}
}

// FuzzField compares Field, eachMember and splice with the references on
// any input, object or not.
func FuzzField(f *testing.F) {
	f.Add([]byte(`{"content":[{"type":"text","text":"a\"b"}],"isError":false}`), "isError")
	f.Add([]byte(`{"a":[1,22,333,4444,{"b":"]}\"["}],"i\u0073Error":true}`), "a")
	f.Add([]byte(`{"a":"`+"\x02"+`","b":[`+"\x02"+`,"\\\\"],"id":null}`), "b")
	f.Add([]byte(`{"a":[[[[1]]]],"b":{"c":{}},"id":7}`), "id")
	f.Add([]byte(`{"a":1 "id":2}`), "id")
	f.Fuzz(func(t *testing.T, obj []byte, key string) {
		diffCheckMembers(t, obj, key)
	})
}

// TestRewriteLarge checks the id rewrite of a large response byte for byte.
func TestRewriteLarge(t *testing.T) {
	msg := largeResponse64K()
	m, perr := Parse(msg, DefaultLimits)
	if perr != nil {
		t.Fatal(perr)
	}
	out, err := Rewrite(m, json.RawMessage(`"gw-7"`), nil)
	want := bytes.Replace(msg, []byte(`"id":1042`), []byte(`"id":"gw-7"`), 1)
	if err != nil || !bytes.Equal(out, want) {
		t.Fatalf("Rewrite: %v, %d bytes, want %d", err, len(out), len(want))
	}
	// Both keys absent: added in a fixed order (id, then params).
	m2 := &Message{Raw: []byte(`{"jsonrpc":"2.0","method":"m"}`)}
	for range 20 {
		out, err := Rewrite(m2, json.RawMessage(`1`), json.RawMessage(`{}`))
		if err != nil || string(out) != `{"jsonrpc":"2.0","method":"m","id":1,"params":{}}` {
			t.Fatalf("Rewrite = %s, %v", out, err)
		}
	}
}
