package detect

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/mcpwarden/mcpwarden/internal/demo"
)

// refFingerprints is the definition of Fingerprints (fpfast.go) written
// plainly: a slice of words split rune by rune, each word hashed from its
// lower-cased bytes, each shingle's XOR computed afresh, sort and compact.
// The fast one must match it bit for bit.
func refFingerprints(text string) []uint64 {
	if len(text) > maxFPBytes {
		text = text[:maxFPBytes]
	}
	var words []string
	var set []uint64
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := text[start:end]
		start = -1
		words = append(words, w)
		if len(w) >= minTokenLen && distinctive(w) {
			set = append(set, mix(refWordHash(w)^tokSalt))
		}
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.' || r == '@' || r == '/' || r == '+' || r == '=' {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
	for i := 0; i+shingleWords <= len(words); i++ {
		var sum uint64
		for j := range shingleWords {
			sum ^= bits.RotateLeft64(refWordHash(words[i+j]), shingleWords-1-j)
		}
		if h := fin(sum); h%2 == 0 {
			set = append(set, h)
		}
	}
	slices.Sort(set)
	set = slices.Compact(set)
	if len(set) > maxFingerprint {
		set = set[:maxFingerprint]
	}
	if len(set) == 0 {
		return nil
	}
	return set
}

// refWordHash: step chained over the lower-cased word's bytes, 8 at a time
// (little-endian, the last 8 padded with zero bytes).
func refWordHash(w string) uint64 {
	var low []byte
	for _, r := range w {
		low = utf8.AppendRune(low, unicode.ToLower(r))
	}
	for len(low)%8 != 0 {
		low = append(low, 0)
	}
	h := uint64(wordSeed)
	for i := 0; i < len(low); i += 8 {
		h = step(h ^ binary.LittleEndian.Uint64(low[i:]))
	}
	return h
}

// refValueFingerprints is ValueFingerprints written plainly over
// encoding/json's decoder (tokens, so that duplicate keys are all seen):
// nil for what is not JSON (or nests deeper than 512); the union of the
// reference fingerprints of every string fingerprinted. It differs from
// the fast one only for a string longer than 64 KiB with bytes that are
// not UTF-8 (encoding/json replaces each by 3 bytes, which moves the cut).
func refValueFingerprints(doc []byte) []uint64 {
	if !json.Valid(doc) {
		return nil
	}
	var texts []string
	var walk func(raw []byte, depth int, fp bool) bool
	walk = func(raw []byte, depth int, fp bool) bool {
		if depth > maxJSONDepth {
			return false
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		tok, err := dec.Token()
		if err != nil {
			panic(err)
		}
		switch t := tok.(type) {
		case string:
			if fp {
				texts = append(texts, t)
			}
		case json.Delim:
			type member struct {
				key string
				raw json.RawMessage
			}
			var ms []member
			for dec.More() {
				var m member
				if t == '{' {
					k, _ := dec.Token()
					m.key = k.(string)
				}
				if err := dec.Decode(&m.raw); err != nil {
					panic(err)
				}
				ms = append(ms, m)
			}
			typ := ""
			for _, m := range ms {
				if m.key == "type" {
					typ = ""
					_ = json.Unmarshal(m.raw, &typ)
				}
			}
			for _, m := range ms {
				skip := t == '{' && (m.key == "type" || m.key == "mimeType" || m.key == "_meta" || m.key == "blob" || (m.key == "data" && (typ == "image" || typ == "audio")))
				if !walk(m.raw, depth+1, fp && !skip && depth+1 <= 32) {
					return false
				}
			}
		}
		return true
	}
	if !walk(doc, 0, true) {
		return nil
	}
	var want []uint64
	for _, s := range texts {
		want = append(want, refFingerprints(s)...)
	}
	slices.Sort(want)
	want = slices.Compact(want)
	if len(want) > maxFingerprint {
		want = want[:maxFingerprint]
	}
	if len(want) == 0 {
		return nil
	}
	return want
}

func fpTexts() []string {
	texts := []string{"", "one", "a b c d e", "a b c d e f", "a b c d e f g",
		"Customer record: Jane Example, account AC-99812734, card 4111-1111-1111-1111, address 12 Long Road, Springfield.",
		"ÄÖÜ straße İstanbul ΣΊΣΥΦΟΣ Ⱥȿ ǅungla ǈ K Å — déjà vu, naïve café 東京 tōkyō 1234567890123456 user@example.com",
		"bad \xff\xfe utf8 \xc3 words here and there \xed\xa0\x80 more words",
		strings.Repeat("The quarterly report shows revenue grew in every region. ", 2000), // > 64 KiB
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abcXYZ019 _-.@/+=,;:\n\tÄéİΣȺ東\uFFFD")
	for range 300 {
		n := rng.IntN(400)
		var b strings.Builder
		for range n {
			if rng.IntN(50) == 0 {
				b.WriteByte(byte(0x80 + rng.IntN(0x80))) // invalid UTF-8
				continue
			}
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}
	return texts
}

func TestFingerprintsMatchReference(t *testing.T) {
	for _, text := range fpTexts() {
		if got, want := Fingerprints(text), refFingerprints(text); !slices.Equal(got, want) {
			t.Fatalf("%.80q:\n got %x\nwant %x", text, got, want)
		}
	}
	// The bounds: strings down to depth 32; documents nested up to 512.
	if ValueFingerprints(fpDeep(16)) == nil || ValueFingerprints(fpDeep(17)) != nil {
		t.Fatal("depth 32")
	}
	if ValueFingerprints(fpNested(512)) == nil || ValueFingerprints(fpNested(513)) != nil {
		t.Fatal("nesting 512")
	}
	// Documents: the union of their strings' fingerprints.
	for _, doc := range fpDocs() {
		got, want := ValueFingerprints(doc), refValueFingerprints(doc)
		if !slices.Equal(got, want) {
			t.Fatalf("%.120q:\n got %x\nwant %x", doc, got, want)
		}
	}
}

// fpDeep: a string at depth 2n.
func fpDeep(n int) []byte {
	return []byte(strings.Repeat(`{"a":[`, n) + `"deep Account-AC99812734 words one two three four five six seven eight nine ten eleven twelve"` + strings.Repeat(`]}`, n))
}

// fpNested: a string next to a value at depth n.
func fpNested(n int) []byte {
	return []byte(`{"t":"Account-AC99812734 words one two three four five six seven eight nine ten","d":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`)
}

// fpDocs: documents with every kind of member and string, and some that
// are not JSON.
func fpDocs() [][]byte {
	texts := fpTexts()
	big, _ := json.Marshal(map[string]any{"content": []map[string]any{{"type": "text", "text": texts[5]}, {"type": "text", "text": texts[6]}},
		"structuredContent": map[string]any{"a": texts[8], "b": texts[20:40]}})
	esc, _ := json.Marshal(map[string]any{"text": "<b>Customer</b> record & \"Jane\"\n\taccount AC-99812734\u2028 ÄÖÜ \x01 tab\there " + texts[8]})
	docs := [][]byte{big, esc, fpDeep(15), fpDeep(16), fpDeep(17), fpNested(512), fpNested(513), fpNested(514), benchResult(65536), benchResult(100),
		[]byte(`{"type":"image","data":"one two three four five six seven eight","mimeType":"image png x y z w v u t"}`),
		[]byte(`{"data":"one two three four five six seven eight","type":"audio"}`),
		[]byte(`{"data":"one two three four five six seven eight","type":"text"}`),
		[]byte(`{"data":"one two three four five six seven eight","type":"image","type":"text"}`),
		[]byte(`{"data":"one two three four five six seven eight","type":"text","type":"image"}`),
		[]byte(`{"data":"one two three four five six seven eight","type":7}`),
		[]byte(`{"data":"one two three four five six seven eight","t\u0079pe":"im\u0061ge"}`),
		[]byte(`{"d\u0061ta":{"x":"one two three four five six seven eight","data":"a b c d e f g h","type":"audio"},"type":"text"}`),
		[]byte(`{"text":"first one two three four five six","text":"second one two three four five six"}`),
		[]byte(`{"_meta":{"k":"one two three four five six seven"},"blob":"AC-99812734 a b c d e f","type":"AC-99812734 one two three four five six"}`),
		[]byte(`["\ud83d\ude00 emoji \ud83d lone \ude00 low \ud83d\u0041 pair-less DÉJÀ vu 0123456789abcdef", 1, -2.5e+10, true, false, null, {}, []]`),
		[]byte(`"just one string with AccountNumber12345 in it and more words after"`),
		[]byte("\"bad \xff\xfe utf8 \xc3 words here and there \xed\xa0\x80 more words\""),
		[]byte(` { "a" : [ "x y z w v u t" , 0 , 0.5 , 1E3 ] } `),
		// not JSON
		[]byte(``), []byte(` `), []byte(`{`), []byte(`{"a":}`), []byte(`{"a" "b"}`), []byte(`["a",]`), []byte(`{"a":1,}`),
		[]byte(`"a\qb"`), []byte(`"a\u12"`), []byte("\"a\x01b\""), []byte(`"abc`), []byte(`01`), []byte(`1.`), []byte(`-`), []byte(`1e`),
		[]byte(`tru`), []byte(`nul`), []byte(`{} {}`), []byte(`[1 2]`), []byte(`{1:2}`), []byte(`"\"`),
	}
	// long strings with escapes, cut at 64 KiB in or next to one, or in
	// a rune
	tail := "Ab-1234567 Éé<&>\n\"Bc-12345678\u2028Cd-123456789 \x00Dé-12345678 Ef-12345678\U0001F600Fg-12345678 " + strings.Repeat("Gh-12345678 ", 10)
	for n := 65536 - len(tail) - 8; n <= 65536; n++ {
		l, _ := json.Marshal(map[string]string{"text": strings.Repeat(" ", n) + tail})
		docs = append(docs, l)
	}
	return docs
}

// FuzzFingerprints: the fast definition against the reference on any text
// (go test -fuzz FuzzFingerprints ./internal/detect).
func FuzzFingerprints(f *testing.F) {
	for _, text := range fpTexts()[:40] {
		f.Add(text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if got, want := Fingerprints(text), refFingerprints(text); !slices.Equal(got, want) {
			t.Fatalf("%q:\n got %x\nwant %x", text, got, want)
		}
	})
}

// FuzzValueFingerprints: the fast document walk against the reference
// over encoding/json on any bytes, JSON or not (go test -fuzz
// FuzzValueFingerprints ./internal/detect).
func FuzzValueFingerprints(f *testing.F) {
	for _, doc := range fpDocs() {
		if len(doc) < 4096 {
			f.Add(doc)
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if got, want := ValueFingerprints(doc), refValueFingerprints(doc); !slices.Equal(got, want) {
			t.Fatalf("%q:\n got %x\nwant %x", doc, got, want)
		}
	})
}

func BenchmarkFingerprints64KiB(b *testing.B) {
	text := strings.Repeat("The quarterly report shows revenue grew in every region, with the largest gains in the north. ", 700)[:64<<10]
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Fingerprints(text)
	}
}

func BenchmarkRefFingerprints64KiB(b *testing.B) {
	text := strings.Repeat("The quarterly report shows revenue grew in every region, with the largest gains in the north. ", 700)[:64<<10]
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		refFingerprints(text)
	}
}

// benchResult is a tools/call result carrying n bytes of plain prose, as
// the gateway fingerprints it on the response path.
func benchResult(n int) json.RawMessage {
	doc, _ := json.Marshal(map[string]any{"content": []map[string]any{{"type": "text", "text": demo.BenchText(n)}}})
	return doc
}

func BenchmarkValueFingerprints64KiB(b *testing.B) {
	doc := benchResult(64 << 10)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		ValueFingerprints(doc)
	}
}

func BenchmarkValueFingerprintsSmall(b *testing.B) {
	doc := benchResult(200)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		ValueFingerprints(doc)
	}
}
