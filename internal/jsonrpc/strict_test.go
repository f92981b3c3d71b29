package jsonrpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// strictRefusal is an input Strict must refuse, with a piece of the expected
// reason and, when known, the offset and path.
type strictRefusal struct {
	name   string
	in     string
	reason string
	offset int // -1: not checked
	path   string
}

var strictRefusals = []strictRefusal{
	// Empty and truncated input.
	{"empty", "", "empty input", 0, ""},
	{"only whitespace", " \t\r\n", "unexpected end of input", 4, ""},
	{"truncated object", `{"a":`, "unexpected end of input", 5, "a"},
	{"truncated after key", `{"a"`, "unexpected end of input", 4, ""},
	{"truncated key", `{"a`, "end of input in string", 3, ""},
	{"truncated open brace", `{`, "unexpected end of input", 1, ""},
	{"truncated open bracket", `[`, "unexpected end of input", 1, ""},
	{"truncated array", `[1`, "unexpected end of input", 2, ""},
	{"truncated array after comma", `[1,`, "unexpected end of input", 3, "[1]"},
	{"truncated string", `"abc`, "end of input in string", 4, ""},
	{"truncated escape", `"\`, "end of input in string", 2, ""},
	{"truncated unicode escape", `"\u00`, "end of input in string", 5, ""},
	{"truncated surrogate pair", `"\ud83d\`, "end of input in string", 8, ""},
	{"truncated after high surrogate", `"\ud83d`, "end of input in string", 7, ""},
	{"truncated literal", `tru`, "unexpected end of input", 3, ""},
	{"truncated number minus", `-`, "unexpected end of input", 1, ""},
	{"truncated fraction", `1.`, "unexpected end of input", 2, ""},
	{"truncated exponent", `1e`, "unexpected end of input", 2, ""},
	{"truncated exponent sign", `1e+`, "unexpected end of input", 3, ""},

	// Trailing data.
	{"trailing garbage", `{"a":1} x`, "unexpected data after top-level value", 8, ""},
	{"two values", `{"a":1}{}`, "unexpected data after top-level value", 7, ""},
	{"two scalars", `1 2`, "unexpected data after top-level value", 2, ""},
	{"trailing NUL", "{}\x00", "unexpected data after top-level value", 2, ""},
	{"trailing close", `[]]`, "unexpected data after top-level value", 2, ""},

	// Commas.
	{"trailing comma array", `[1,2,]`, "trailing comma in array", 5, ""},
	{"trailing comma object", `{"a":1,}`, "trailing comma in object", 7, ""},
	{"trailing comma nested", `{"a":[1,{"b":2,}]}`, "trailing comma in object", 15, "a[1]"},
	{"empty element", `[1,,2]`, "empty element or trailing comma", 3, "[1]"},
	{"leading comma", `[,1]`, "empty element or trailing comma", 1, "[0]"},
	{"lone comma object", `{,}`, "looking for an object key", 1, ""},
	{"missing comma array", `[1 2]`, "after array element", 3, ""},
	{"missing comma object", `{"a":1 "b":2}`, "after object value", 7, ""},
	{"missing colon", `{"a" 1}`, "expected ':'", 5, ""},
	{"double colon", `{"a"::1}`, "looking for a value", 5, "a"},
	{"non-string key", `{1:2}`, "looking for an object key", 1, ""},
	{"unquoted key", `{a:1}`, "looking for an object key", 1, ""},
	{"close mismatch", `[1}`, "after array element", 2, ""},
	{"close mismatch object", `{"a":1]`, "after object value", 6, ""},

	// Comments and quoting.
	{"line comment", "{\"a\":1 // c\n}", "after object value", 7, ""},
	{"block comment", `/* c */ {}`, "comments are not allowed", 0, ""},
	{"comment as value", `[/**/1]`, "comments are not allowed", 1, "[0]"},
	{"single-quoted value", `['a']`, "single-quoted strings are not allowed", 1, "[0]"},
	{"single-quoted key", `{'a':1}`, "looking for an object key", 1, ""},

	// Non-finite and malformed numbers.
	{"NaN", `NaN`, "looking for a value", 0, ""},
	{"nan in array", `[nan]`, "invalid literal", 2, "[0]"},
	{"Infinity", `[Infinity]`, "looking for a value", 1, "[0]"},
	{"minus Infinity", `-Infinity`, "in number", 1, ""},
	{"leading zero", `01`, "leading zeros", 0, ""},
	{"negative leading zero", `-01`, "leading zeros", 0, ""},
	{"double zero", `[00]`, "leading zeros", 1, "[0]"},
	{"plus number", `+1`, "numbers may not start with '+'", 0, ""},
	{"plus in array", `[+1]`, "numbers may not start with '+'", 1, "[0]"},
	{"leading dot", `.5`, "looking for a value", 0, ""},
	{"dot without fraction", `1.e5`, "after decimal point", 2, ""},
	{"hex number", `0x10`, "unexpected data after top-level value", 1, ""},
	{"exponent without digits", `[1e]`, "in exponent", 3, "[0]"},
	{"double minus", `--1`, "in number", 1, ""},

	// Literals.
	{"capitalised true", `True`, "looking for a value", 0, ""},
	{"short null", `[nul]`, "invalid literal", 4, "[0]"},
	{"long true", `truex`, "unexpected data after top-level value", 4, ""},
	{"fals", `{"a":fals}`, "invalid literal", 9, "a"},

	// Strings: control characters and escapes.
	{"raw tab in string", "\"a\tb\"", "unescaped control character 0x09", 2, ""},
	{"raw newline in string", "{\"a\":\"x\ny\"}", "unescaped control character 0x0a", 7, "a"},
	{"raw NUL in string", "\"\x00\"", "unescaped control character 0x00", 1, ""},
	{"raw 0x1f in key", "{\"\x1f\":1}", "unescaped control character 0x1f", 2, ""},
	{"bad escape x", `"\x41"`, `invalid escape character 'x'`, 1, ""},
	{"bad escape quote", `"\'"`, "invalid escape", 1, ""},
	{"bad escape capital U", `"\U0041"`, "invalid escape", 1, ""},
	{"bad escape zero", `"\0"`, "invalid escape", 1, ""},
	{"short unicode escape", `"\u12"`, "expected hex digit", 5, ""},
	{"bad hex digit", `"\u12G4"`, "expected hex digit", 5, ""},

	// Whitespace that is not JSON whitespace.
	{"BOM", "\xef\xbb\xbf{}", "looking for a value", 0, ""},
	{"vertical tab", "\v{}", "looking for a value", 0, ""},
	{"form feed", "{}\f", "unexpected data after top-level value", 2, ""},
	{"NBSP", "\u00a0{}", "looking for a value", 0, ""},

	// Invalid UTF-8.
	{"invalid byte", "\"\xff\"", "invalid UTF-8", 1, ""},
	{"lone continuation", "\"a\x80\"", "invalid UTF-8", 2, ""},
	{"overlong slash", "\"\xc0\xaf\"", "invalid UTF-8", 1, ""},
	{"overlong NUL", "\"\xc0\x80\"", "invalid UTF-8", 1, ""},
	{"overlong three byte", "\"\xe0\x80\xaf\"", "invalid UTF-8", 1, ""},
	{"overlong four byte", "\"\xf0\x80\x80\xaf\"", "invalid UTF-8", 1, ""},
	{"UTF-8 high surrogate", "\"\xed\xa0\x80\"", "invalid UTF-8", 1, ""},
	{"UTF-8 low surrogate", "\"\xed\xbf\xbf\"", "invalid UTF-8", 1, ""},
	{"UTF-8 surrogate pair (CESU-8)", "\"\xed\xa0\xbd\xed\xb8\x80\"", "invalid UTF-8", 1, ""},
	{"above U+10FFFF", "\"\xf4\x90\x80\x80\"", "invalid UTF-8", 1, ""},
	{"five-byte form", "\"\xf8\x88\x80\x80\x80\"", "invalid UTF-8", 1, ""},
	{"truncated sequence", "\"\xc3\"", "invalid UTF-8", 1, ""},
	{"truncated sequence at end", "\"\xe2\x82", "invalid UTF-8", 1, ""},
	{"invalid UTF-8 in key", "{\"na\xffme\":1}", "invalid UTF-8", 4, ""},
	{"invalid UTF-8 nested", "{\"a\":[\"ok\",\"\xfe\"]}", "invalid UTF-8", 12, "a[1]"},
	{"non-ASCII outside string", "\xc3\xa9", "looking for a value", 0, ""},

	// Lone surrogates in escapes.
	{"lone high surrogate", `"\ud800"`, "unpaired high surrogate", 1, ""},
	{"lone low surrogate", `"\udc00"`, "unpaired low surrogate", 1, ""},
	{"high then text", `"\ud800x"`, "unpaired high surrogate", 1, ""},
	{"high then BMP escape", `"\ud800\u0041"`, "unpaired high surrogate", 1, ""},
	{"high then high", `"\ud800\ud800\udc00"`, "unpaired high surrogate", 1, ""},
	{"high then short escape", `"\udbff\n"`, "unpaired high surrogate", 1, ""},
	{"high at end of string", `"\ud800"`, "unpaired high surrogate", 1, ""},
	{"reversed pair", `"\udc00\ud800"`, "unpaired low surrogate", 1, ""},
	{"uppercase lone high", `"ab\uDBFF"`, "unpaired high surrogate", 3, ""},
	{"lone surrogate in key", `{"\ud800":1}`, "unpaired high surrogate", 2, ""},
	{"lone low after pair", `"\ud83d\ude00\ude00"`, "unpaired low surrogate", 13, ""},

	// Duplicate keys.
	{"duplicate key", `{"a":1,"a":2}`, `duplicate key "a"`, 7, ""},
	{"duplicate name", `{"name":"ok","name":"denied"}`, `duplicate key "name"`, 13, ""},
	{"duplicate via escape", `{"a":1,"\u0061":2}`, `duplicate key "a"`, 7, ""},
	{"duplicate via escape first", `{"\u0061":1,"a":2}`, `duplicate key "a"`, 12, ""},
	{"duplicate via solidus escape", `{"a\/b":1,"a/b":2}`, `duplicate key "a/b"`, 10, ""},
	{"duplicate via surrogate pair", `{"😀":1,"\ud83d\ude00":2}`, `duplicate key "\U0001f600"`, 10, ""},
	{"duplicate empty key", `{"":1,"":2}`, `duplicate key ""`, 6, ""},
	{"duplicate NUL key", `{"a\u0000":1,"a\u0000":2}`, `duplicate key "a\x00"`, 13, ""},
	{"duplicate after others", `{"a":1,"b":2,"c":3,"b":4}`, `duplicate key "b"`, 19, ""},
	{"duplicate nested", `{"params":{"arguments":{"path":"/tmp","path":"/etc/passwd"}}}`, `duplicate key "path"`, 38, "params.arguments"},
	{"duplicate in array element", `[{},{"x":1,"x":1}]`, `duplicate key "x"`, 11, "[1]"},

	// Case-colliding keys.
	{"case Name", `{"name":1,"Name":2}`, `key "Name" collides with key "name" under case folding`, 10, ""},
	{"case NAME", `{"NAME":1,"name":2}`, "under case folding", 10, ""},
	{"case escaped", `{"name":1,"\u004eame":2}`, `key "Name" collides with key "name"`, 10, ""},
	{"kelvin escaped", `{"k":1,"\u212a":2}`, `key "\u212a" collides with key "k"`, 7, ""},
	{"kelvin raw", "{\"K\":1,\"\u212a\":2}", `key "\u212a" collides with key "K"`, 7, ""},
	{"kelvin in word", `{"token":1,"to\u212Aen":2}`, "under case folding", 11, ""},
	{"long s", `{"s":1,"ſ":2}`, "under case folding", 7, ""},
	{"long s upper", `{"S":1,"\u017f":2}`, "under case folding", 7, ""},
	{"titlecase dz", `{"ǅ":1,"ǆ":2}`, "under case folding", 8, ""},
	{"sigma final", `{"Σ":1,"ς":2}`, "under case folding", 8, ""},
	{"greek mu micro", `{"µ":1,"Μ":2}`, "under case folding", 8, ""},
	{"ohm sign", "{\"ω\":1,\"\u2126\":2}", "under case folding", 8, ""},
	{"deseret astral", `{"𐐀":1,"\ud801\udc28":2}`, "under case folding", 10, ""},
	{"denied tool", `{"method":"tools/call","params":{"name":"ok","NAME":"denied_tool"}}`, "under case folding", 45, "params"},
	{"envelope method", `{"method":"ping","Method":"tools/call"}`, "under case folding", 17, ""},

	// Depth.
	{"depth 65 arrays", strings.Repeat("[", 65) + strings.Repeat("]", 65), "nesting exceeds maximum depth 64", 64, strings.Repeat("[0]", 64)},
	{"depth 65 objects", strings.Repeat(`{"a":`, 65) + "1" + strings.Repeat("}", 65), "nesting exceeds maximum depth 64", 64 * 5, strings.TrimSuffix(strings.Repeat("a.", 64), ".")},
}

var strictValid = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1`, `-1`, `0.5`, `-0.0`, `1e10`, `1E+10`, `1e-10`, `123.456e-789`, `-9007199254740993`,
	`1e999999`, `true`, `false`, `null`,
	" \t\r\n{} \t\r\n",
	`{"a":1}`, `{"a":{"a":{"a":1}}}`, `[{"a":1},{"a":2}]`, `{"a":1,"b":{"a":2}}`,
	`{"a":[],"b":{},"c":"","d":0,"e":true,"f":false,"g":null}`,
	`[1,"2",[3],{"4":4},true,false,null]`,
	`"\"\\\/\b\f\n\r\t"`, `"\u0000"`, `"\u001f"`, `"\uffff"`, `"\uFFFD"`, `"\ud83d\ude00"`, `"\uD83D\uDE00"`, `"\udbff\udfff"`,
	`"\ud800\udc00\ud800\udc00"`, "\"\U0001F600\"", "\"\u00e9\u4e16\u754c\"", "\"\x7f\"", "\"\uFEFF\"", "\"\u2028\u2029\"",
	"\"\xef\xbf\xbd\"", // a real U+FFFD
	`{"name":1,"names":2}`, `{"a":1,"a ":2}`, `{" a":1,"a":2}`,
	`{"ss":1,"ß":2}`,      // full case folding only; EqualFold keeps them apart
	`{"é":1,"e\u0301":2}`, // canonically equivalent, but not folding
	`{"i":1,"İ":2}`, `{"i":1,"ı":2}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"r":18}`,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file","arguments":{"path":"/tmp/x"}}}`,
	strings.Repeat("[", 64) + strings.Repeat("]", 64),
	strings.Repeat(`{"a":`, 64) + "null" + strings.Repeat("}", 64),
}

func TestStrictRefusals(t *testing.T) {
	for _, tc := range strictRefusals {
		t.Run(tc.name, func(t *testing.T) {
			err := Strict([]byte(tc.in), Limits{})
			if err == nil {
				t.Fatalf("Strict(%q) = nil, want refusal %q", tc.in, tc.reason)
			}
			var se *StrictError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is %T, want *StrictError", err, err)
			}
			if !strings.Contains(se.Reason, tc.reason) {
				t.Errorf("Strict(%q) reason %q, want it to contain %q", tc.in, se.Reason, tc.reason)
			}
			if tc.offset >= 0 && se.Offset != tc.offset {
				t.Errorf("Strict(%q) offset %d, want %d (%v)", tc.in, se.Offset, tc.offset, err)
			}
			if se.Path != tc.path {
				t.Errorf("Strict(%q) path %q, want %q", tc.in, se.Path, tc.path)
			}
			// The reference must refuse it too (it knows no limits beyond
			// depth, and this table sets none).
			if ref := strictRefCheck([]byte(tc.in), StrictDefaultMaxDepth); ref == "" {
				t.Errorf("reference accepts %q", tc.in)
			}
		})
	}
}

func TestStrictValid(t *testing.T) {
	for _, s := range strictValid {
		if err := Strict([]byte(s), Limits{}); err != nil {
			t.Errorf("Strict(%.80q) = %v, want nil", s, err)
		}
		if !json.Valid([]byte(s)) {
			t.Errorf("json.Valid(%.80q) = false", s)
		}
		if ref := strictRefCheck([]byte(s), StrictDefaultMaxDepth); ref != "" {
			t.Errorf("reference refuses %.80q: %s", s, ref)
		}
	}
	for _, b := range [][]byte{strictMessage1K(), strictMessage64K()} {
		if err := Strict(b, Limits{}); err != nil {
			t.Errorf("Strict(benchmark message of %d bytes) = %v", len(b), err)
		}
	}
}

func TestStrictErrorMessage(t *testing.T) {
	in := `{"params":{"arguments":{"path":"/tmp","path":"/etc/passwd"}}}`
	err := Strict([]byte(in), Limits{})
	want := fmt.Sprintf(`invalid JSON at offset %d (params.arguments): duplicate key "path"`, strings.LastIndex(in, `"path"`))
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	err = Strict([]byte(`[1,]`), Limits{})
	if want := "invalid JSON at offset 3: trailing comma in array"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestStrictPath(t *testing.T) {
	long := strings.Repeat("k", 300)
	tests := []struct{ in, path string }{
		{`{"params":{"items":[1,2,{"x":tru}]}}`, "params.items[2].x"},
		{`[[1,[2,01]]]`, "[0][1][1]"},
		{`{"a.b":{"c":-}}`, `["a.b"].c`},
		{`{"":{"c":-}}`, `[""].c`},
		{`{"\u0070ath":{"c":-}}`, `path.c`},
		{`{"tools/call":{"a b":[x]}}`, `tools/call["a b"][0]`},
		{`{"` + long + `":x}`, long[:197] + "..."},
		{strings.Repeat(`{"abcdefghij":`, 40) + "x" + strings.Repeat("}", 40), strings.Repeat("abcdefghij.", 17) + "abcdefghij..."},
	}
	for _, tc := range tests {
		err := Strict([]byte(tc.in), Limits{})
		var se *StrictError
		if !errors.As(err, &se) {
			t.Fatalf("Strict(%.60q) = %v", tc.in, err)
		}
		if se.Path != tc.path {
			t.Errorf("Strict(%.60q) path\n got %q\nwant %q", tc.in, se.Path, tc.path)
		}
		if len(se.Path) > strictMaxPath {
			t.Errorf("path of %d bytes exceeds %d", len(se.Path), strictMaxPath)
		}
	}
}

func TestStrictLimits(t *testing.T) {
	doc := []byte(`{"a":[1,2,3]}`)
	if err := Strict(doc, Limits{MaxBytes: len(doc)}); err != nil {
		t.Errorf("MaxBytes = len: %v", err)
	}
	err := Strict(doc, Limits{MaxBytes: len(doc) - 1})
	var se *StrictError
	if !errors.As(err, &se) || !strings.Contains(se.Reason, "exceeds 12 bytes") || se.Offset != 12 {
		t.Errorf("MaxBytes = len-1: %v", err)
	}
	if err := Strict(doc, Limits{MaxBytes: -1}); err != nil {
		t.Errorf("MaxBytes < 0 must mean no limit: %v", err)
	}
	if err := Strict(doc, Limits{MaxDepth: 2}); err != nil {
		t.Errorf("MaxDepth 2: %v", err)
	}
	err = Strict(doc, Limits{MaxDepth: 1})
	if !errors.As(err, &se) || se.Offset != 5 || se.Path != "a" || !strings.Contains(se.Reason, "maximum depth 1") {
		t.Errorf("MaxDepth 1: %v", err)
	}
	if err := Strict([]byte(`[[[1]]]`), Limits{MaxDepth: 3}); err != nil {
		t.Errorf("depth 3 with MaxDepth 3: %v", err)
	}
	if err := Strict([]byte(`"deep"`), Limits{MaxDepth: 1}); err != nil {
		t.Errorf("scalars have no depth: %v", err)
	}
	deep := []byte(strings.Repeat("[", 5000) + strings.Repeat("]", 5000))
	if err := Strict(deep, Limits{}); err == nil {
		t.Error("depth 5000 accepted with default limit")
	}
	if err := Strict(deep, Limits{MaxDepth: 5000}); err != nil {
		t.Errorf("depth 5000 with MaxDepth 5000: %v", err)
	}
}

// strictBigObject returns an object with n filler keys, then the given keys.
func strictBigObject(n int, keys ...string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := range n {
		fmt.Fprintf(&b, `"field_%d":%d,`, i, i)
	}
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%s":%d`, k, i)
	}
	b.WriteByte('}')
	return bytes.TrimSuffix(b.Bytes(), []byte(",}"))
}

func TestStrictLargeObjects(t *testing.T) {
	for _, n := range []int{0, 14, 15, 16, 17, 100, 5000} {
		if err := Strict(strictBigObject(n, "x"), Limits{}); err != nil {
			t.Errorf("%d distinct keys: %v", n+1, err)
		}
		for _, pair := range [][2]string{
			{"x", "x"}, {"name", "Name"}, {"k", `\u212a`}, {"a", `\u0061`}, {`\u00e9`, "É"}, {"field_3", "FIELD_3"},
		} {
			in := strictBigObject(n, pair[0], pair[1])
			if err := Strict(in, Limits{}); err == nil {
				t.Errorf("%d keys then %q, %q: accepted", n, pair[0], pair[1])
			}
		}
		// A collision with a filler key far back.
		if n > 0 {
			in := strictBigObject(n, fmt.Sprintf("FIELD_%d", n/3))
			if err := Strict(in, Limits{}); err == nil || !strings.Contains(err.Error(), "under case folding") {
				t.Errorf("%d keys then FIELD_%d: %v", n, n/3, err)
			}
		}
	}
}

// TestStrictFoldOrbits checks every code point that simple case folding
// relates to another, in small and large objects (linear scan and hash set),
// raw and escaped.
func TestStrictFoldOrbits(t *testing.T) {
	esc := func(r rune) string {
		if r > 0xFFFF {
			hi, lo := (r-0x10000)>>10+0xD800, (r-0x10000)&0x3FF+0xDC00
			return fmt.Sprintf(`\u%04x\u%04X`, hi, lo)
		}
		return fmt.Sprintf(`\u%04x`, r)
	}
	count := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		f := unicode.SimpleFold(r)
		if f == r {
			continue
		}
		count++
		raw1, raw2 := strings.ReplaceAll(string(r), `"`, `\"`), string(f)
		if r == '\\' || r == '"' || r < 0x20 {
			continue // no case pairs there anyway
		}
		for _, n := range []int{0, 20} {
			for _, keys := range [][2]string{{raw1, raw2}, {esc(r), raw2}, {raw1, esc(f)}, {"p" + esc(r) + "q", "P" + string(f) + "Q"}} {
				if Strict(strictBigObject(n, keys[0], keys[1]), Limits{}) == nil {
					t.Fatalf("U+%04X and U+%04X not seen as colliding (%d filler keys, %q %q)", r, f, n, keys[0], keys[1])
				}
			}
		}
	}
	if count < 2000 {
		t.Fatalf("only %d folding code points found", count)
	}
}

// TestStrictFoldEqual compares key collision detection with strings.EqualFold
// on random keys drawn from case-interesting code points, randomly escaped.
func TestStrictFoldEqual(t *testing.T) {
	alphabet := []rune("aAbBkK\u212a sS\u017f\u00df\u1e9e\u03c3\u03c2\u03a3\u01c4\u01c5\u01c6\u0130\u0131iI\u00b5\u039c\u03bc\u03c9\u03a9\u2126\u0345\u03b9\u1fbe\U0001F600\U00010400\U00010428\"\\/\n\u0000\u00e9")
	rng := rand.New(rand.NewPCG(1, 2))
	encode := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			switch {
			case r > 0xFFFF && rng.IntN(2) == 0:
				fmt.Fprintf(&b, `\u%04x\u%04x`, (r-0x10000)>>10+0xD800, (r-0x10000)&0x3FF+0xDC00)
			case r == '"' || r == '\\' || r < 0x20 || (r <= 0xFFFF && rng.IntN(3) == 0):
				if r == '/' && rng.IntN(2) == 0 {
					b.WriteString(`\/`)
				} else if rng.IntN(2) == 0 {
					fmt.Fprintf(&b, `\u%04X`, r)
				} else {
					fmt.Fprintf(&b, `\u%04x`, r)
				}
			default:
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	randKey := func() string {
		n := rng.IntN(4)
		rs := make([]rune, n)
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(rs)
	}
	collided := 0
	for range 20000 {
		k1, k2 := randKey(), randKey()
		if rng.IntN(3) == 0 { // make folding pairs likely
			rs := []rune(k1)
			for i := range rs {
				if rng.IntN(2) == 0 {
					rs[i] = unicode.SimpleFold(rs[i])
				}
			}
			k2 = string(rs)
		}
		want := strings.EqualFold(k1, k2)
		if want {
			collided++
		}
		for _, n := range []int{0, 17} {
			in := strictBigObject(n, encode(k1), encode(k2))
			err := Strict(in, Limits{})
			if (err != nil) != want {
				t.Fatalf("keys %q %q (%s): Strict = %v, EqualFold = %v", k1, k2, in[max(0, len(in)-60):], err, want)
			}
		}
	}
	if collided < 1000 {
		t.Fatalf("only %d colliding pairs generated", collided)
	}
}

// strictRandValue builds a random value for json.Marshal; object keys are
// unique under case folding.
func strictRandValue(rng *rand.Rand, depth int) any {
	k := rng.IntN(10)
	if depth <= 0 {
		k = rng.IntN(6)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return rng.IntN(2) == 0
	case 2:
		return rng.Int64() - rng.Int64()
	case 3:
		return rng.NormFloat64() * float64(int64(1)<<rng.IntN(60))
	case 4, 5:
		return strictRandString(rng)
	case 6, 7:
		n := rng.IntN(25)
		m := make(map[string]any, n)
		var keys []string
	next:
		for range n {
			key := strictRandString(rng)
			for _, o := range keys {
				if strings.EqualFold(o, key) {
					continue next
				}
			}
			keys = append(keys, key)
			m[key] = strictRandValue(rng, depth-1)
		}
		return m
	default:
		s := make([]any, rng.IntN(8))
		for i := range s {
			s[i] = strictRandValue(rng, depth-1)
		}
		return s
	}
}

func strictRandString(rng *rand.Rand) string {
	const ascii = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./\\\"'<>& \t\n"
	n := rng.IntN(12)
	var b strings.Builder
	for range n {
		switch rng.IntN(10) {
		case 0:
			b.WriteRune(rune(rng.IntN(0x80))) // incl. control characters
		case 1:
			r := rune(rng.IntN(0x110000))
			if r >= 0xD800 && r <= 0xDFFF {
				r = 'x'
			}
			b.WriteRune(r)
		case 2:
			b.WriteString("\u212a\u017f\u03c3\U0001F600")
		default:
			b.WriteByte(ascii[rng.IntN(len(ascii))])
		}
	}
	return b.String()
}

// TestStrictRandomMarshal: what json.Marshal produces from values with
// fold-unique keys is accepted.
func TestStrictRandomMarshal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n {
		v := strictRandValue(rng, 4)
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			var ind bytes.Buffer
			if err := json.Indent(&ind, b, " ", "\t"); err != nil {
				t.Fatal(err)
			}
			b = append(append([]byte("\r\n "), ind.Bytes()...), '\n')
		}
		if err := Strict(b, Limits{}); err != nil {
			t.Fatalf("Strict refuses json.Marshal output: %v\n%s", err, b)
		}
	}
}

// TestStrictMutations: on ASCII documents and random edits of them, Strict
// agrees with the encoding/json based reference (json.Valid plus the checks
// Strict adds), so on documents without ambiguous keys it agrees with
// json.Valid.
func TestStrictMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const alphabet = "{}[]\",:0123456789.eE+-truefalsn \t\r\n\\/u'xX#\x00\x7f"
	accepted, refused := 0, 0
	n := 20000
	if testing.Short() {
		n = 5000
	}
	for range n {
		b, err := json.Marshal(strictRandValue(rng, 2))
		if err != nil {
			t.Fatal(err)
		}
		b = []byte(strings.ToValidUTF8(string(b), ""))
		b = bytes.Map(func(r rune) rune {
			if r >= utf8.RuneSelf {
				return 'z'
			}
			return r
		}, b)
		for range rng.IntN(4) {
			if len(b) == 0 {
				break
			}
			i := rng.IntN(len(b))
			c := alphabet[rng.IntN(len(alphabet))]
			switch rng.IntN(3) {
			case 0:
				b = append(b[:i], b[i+1:]...)
			case 1:
				b = append(b[:i], append([]byte{c}, b[i:]...)...)
			default:
				b[i] = c
			}
		}
		err = Strict(b, Limits{})
		ref := strictRefCheck(b, StrictDefaultMaxDepth)
		if (err == nil) != (ref == "") {
			t.Fatalf("disagreement on %q: Strict = %v, reference = %q", b, err, ref)
		}
		if ref == "" || ref == "duplicate" || ref == "surrogate" {
			if !json.Valid(b) {
				t.Fatalf("reference accepted invalid %q", b)
			}
		}
		if err == nil {
			accepted++
		} else {
			refused++
		}
	}
	if accepted < n/10 || refused < n/10 {
		t.Fatalf("poor mix: %d accepted, %d refused", accepted, refused)
	}
}

func TestStrictNoAllocs(t *testing.T) {
	for _, b := range [][]byte{strictMessage1K(), strictMessage64K(), []byte(strictValid[len(strictValid)-1])} {
		if n := testing.AllocsPerRun(50, func() { _ = Strict(b, Limits{}) }); n != 0 {
			t.Errorf("Strict on %d bytes: %v allocations per run, want 0", len(b), n)
		}
	}
}

// strictMessage1K is a realistic tools/call request of about 1 KB.
func strictMessage1K() []byte {
	content := "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\n// main prints a greeting — naïve café ✓.\nfunc main() {\n\tif len(os.Args) < 2 {\n\t\tfmt.Fprintln(os.Stderr, \"usage: hello NAME\")\n\t\tos.Exit(2)\n\t}\n\tfmt.Printf(\"Hello, %s!\\n\", os.Args[1])\n}\n"
	msg := map[string]any{
		"jsonrpc": "2.0",
		"id":      1042,
		"method":  "tools/call",
		"params": map[string]any{
			"name": "write_file",
			"arguments": map[string]any{
				"path":       "/home/dev/projects/hello/cmd/hello/main.go",
				"content":    content,
				"mode":       "0644",
				"createDirs": true,
				"encoding":   "utf-8",
				"tags":       []string{"generated", "review-required"},
				"limits":     map[string]any{"maxBytes": 1048576, "timeoutMs": 30000, "ratio": 0.75},
			},
			"_meta": map[string]any{
				"progressToken": "c2f1a7e0-4b8e-4c1a-9f0e-2d3b5a6c7d8e",
				"traceparent":   "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
				"client":        map[string]any{"name": "claude-code", "version": "1.0.71"},
			},
		},
	}
	b, err := json.Marshal(msg)
	if err != nil {
		panic(err)
	}
	// Pad the content to 1024 bytes in all.
	pad := 1024 - len(b)
	if pad > 0 {
		msg["params"].(map[string]any)["arguments"].(map[string]any)["content"] = content + strings.Repeat("/", pad)
		b, _ = json.Marshal(msg)
	}
	return b
}

// strictMessage64K is a tools/call request of about 64 KB: a batch of file
// edits with source text, numbers and nested metadata.
func strictMessage64K() []byte {
	type edit struct {
		Path    string         `json:"path"`
		OldText string         `json:"oldText"`
		NewText string         `json:"newText"`
		Line    int            `json:"line"`
		Score   float64        `json:"score"`
		Labels  []string       `json:"labels"`
		Meta    map[string]any `json:"meta"`
	}
	var edits []edit
	for i := 0; ; i++ {
		e := edit{
			Path:    "/srv/app/internal/service/handler_" + strconv.Itoa(i) + ".go",
			OldText: "func (h *Handler) Serve(w http.ResponseWriter, r *http.Request) {\n\tlog.Printf(\"serving %s\", r.URL.Path)\n",
			NewText: "func (h *Handler) Serve(w http.ResponseWriter, r *http.Request) {\n\tslog.Info(\"serving\", \"path\", r.URL.Path, \"user\", \"Zoë\")\n",
			Line:    100 + i*7,
			Score:   float64(i) / 3,
			Labels:  []string{"refactor", "logging", "ticket-" + strconv.Itoa(4000+i)},
			Meta:    map[string]any{"author": "ci-bot", "reviewed": i%2 == 0, "hash": fmt.Sprintf("%040x", i*7919)},
		}
		edits = append(edits, e)
		msg := map[string]any{
			"jsonrpc": "2.0",
			"id":      "req-7f3a",
			"method":  "tools/call",
			"params": map[string]any{
				"name":      "apply_edits",
				"arguments": map[string]any{"dryRun": false, "edits": edits},
				"_meta":     map[string]any{"progressToken": 77},
			},
		}
		b, err := json.Marshal(msg)
		if err != nil {
			panic(err)
		}
		if len(b) >= 64*1024 {
			return b
		}
	}
}

func BenchmarkStrict(b *testing.B) {
	for _, bc := range []struct {
		name string
		msg  []byte
	}{
		{"1KB", strictMessage1K()},
		{"64KB", strictMessage64K()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.msg)))
			b.ReportAllocs()
			for b.Loop() {
				if err := Strict(bc.msg, Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStrictBaseline runs json.Valid on the same messages, for scale.
func BenchmarkStrictBaseline(b *testing.B) {
	for _, bc := range []struct {
		name string
		msg  []byte
	}{
		{"1KB", strictMessage1K()},
		{"64KB", strictMessage64K()},
	} {
		b.Run(bc.name+"/json.Valid", func(b *testing.B) {
			b.SetBytes(int64(len(bc.msg)))
			b.ReportAllocs()
			for b.Loop() {
				if !json.Valid(bc.msg) {
					b.Fatal("invalid")
				}
			}
		})
	}
}
