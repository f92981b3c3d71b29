package scan

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
)

// TestPrepareWordAtATime checks the eight-bytes-at-a-time pass of
// prepareInto against the byte-by-byte definition on every byte value and
// on random texts of every alignment.
func TestPrepareWordAtATime(t *testing.T) {
	ref := func(s string) (low []byte, upper, letters int, ascii bool, ctrl int) {
		low = make([]byte, len(s))
		ascii = true
		for i := 0; i < len(s); i++ {
			c := s[i]
			low[i] = lowerTab[c]
			if c >= 0x80 {
				ascii = false
			}
			if c >= 'A' && c <= 'Z' {
				upper++
				letters++
			}
			if c >= 'a' && c <= 'z' {
				letters++
			}
			if byteClass[c] == 3 {
				ctrl++
			}
		}
		return
	}
	var texts []string
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			b := []byte("Hello World x")
			b[pos] = byte(c)
			texts = append(texts, string(b))
		}
	}
	r := rand.New(rand.NewSource(1))
	alpha := []byte("aZ@[`{ \t\n\r\x1b\x7f\x00\xc3\xa9.,'_09AMzm")
	for n := 0; n < 2000; n++ {
		b := make([]byte, r.Intn(70))
		for i := range b {
			b[i] = alpha[r.Intn(len(alpha))]
		}
		texts = append(texts, string(b))
	}
	// long texts: the letter counts are kept in byte lanes and summed
	// every 255 chunks of eight bytes, and a chunk with another byte
	// (a newline, a control, non-ASCII) goes byte by byte
	for _, n := range []int{2039, 2040, 2041, 2048, 4081, 6000} {
		for k := 0; k < 6; k++ {
			b := []byte(strings.Repeat("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", n/52+1)[:n])
			for j := 0; j < k; j++ {
				b[r.Intn(n)] = alpha[r.Intn(len(alpha))]
			}
			texts = append(texts, string(b))
		}
	}
	for _, s := range texts {
		var nt ntext
		prepareInto(&nt, s, nil)
		low, upper, letters, ascii, ctrl := ref(s)
		if nt.ascii != ascii || nt.upperCnt != upper || nt.letterCnt != letters || len(nt.ctrl)+len(nt.ansi) > 0 != (ctrl > 0) {
			t.Fatalf("%q: ascii %v upper %d letters %d ctrl %d+%d, want %v %d %d %d", s, nt.ascii, nt.upperCnt, nt.letterCnt, len(nt.ctrl), len(nt.ansi), ascii, upper, letters, ctrl)
		}
		if ascii && string(nt.low) != string(low) {
			t.Fatalf("%q: low %q, want %q", s, nt.low, low)
		}
	}
}

// TestJSONStringEscapes checks strings with escapes, including escaped
// quotes and backslash runs before the closing quote.
func TestJSONStringEscapes(t *testing.T) {
	for raw, want := range map[string]string{
		`"a\nb"`:               "a\nb",
		`"\\"`:                 `\`,
		`"x\\\\"`:              `x\\`,
		`"say \"hi\" now"`:     `say "hi" now`,
		`"tail \\\" q\\\\"`:    `tail \" q\\`,
		`"\u00e9\ud83d\ude00"`: "é😀",
		`"\ud800 lone"`:        "\uFFFD lone",
	} {
		v, err := parseJSON([]byte(`{"k":` + raw + `,"z":"after"}`))
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if got, _ := v.strOf("k"); got != want {
			t.Errorf("%s: got %q, want %q", raw, got, want)
		}
		if got, _ := v.strOf("z"); got != "after" {
			t.Errorf("%s: next key read %q", raw, got)
		}
	}
	if _, err := parseJSON([]byte(`{"k":"open \" never closed}`)); err == nil {
		t.Error("unterminated string parsed")
	}
}

// TestJSONStringMatchesEncodingJSON compares the reader's strings with
// encoding/json's on random texts full of quotes, backslashes and escapes.
func TestJSONStringMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	pieces := []string{`"`, `\`, `\\`, `\"`, "\n", "\t", "a", "Z ", "é", "😀", "\u2028", "<", "&", "\x01", `\u`, "x"}
	for n := 0; n < 3000; n++ {
		var b strings.Builder
		for k := r.Intn(40); k > 0; k-- {
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		want := b.String()
		raw, _ := json.Marshal(map[string]string{"k": want, "z": want})
		v, err := parseJSON(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		for _, key := range []string{"k", "z"} {
			if got, _ := v.strOf(key); got != want {
				t.Fatalf("%s: %s = %q, want %q", raw, key, got, want)
			}
		}
	}
}
