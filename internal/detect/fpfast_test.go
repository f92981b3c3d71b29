package detect

import (
	"encoding/json"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// refFingerprints is the original definition of Fingerprints (a slice of
// words, every shingle hashed, sort and compact): the reference the fast
// one must match bit for bit, so recorded detail.result_fp stay valid.
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
			set = append(set, refHashWords([]string{"\x00tok", w}))
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
		if h := refHashWords(words[i : i+shingleWords]); h%2 == 0 {
			set = append(set, h)
		}
	}
	slices.Sort(set)
	set = slices.Compact(set)
	if len(set) > maxFingerprint {
		set = set[:maxFingerprint]
	}
	return set
}

func refHashWords(ws []string) uint64 {
	h := fnv.New64a()
	var buf [utf8.UTFMax]byte
	for _, w := range ws {
		for _, r := range w {
			n := utf8.EncodeRune(buf[:], unicode.ToLower(r))
			h.Write(buf[:n])
		}
		h.Write([]byte{0})
	}
	return h.Sum64()
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
	// A document: the union of its strings, as the original computed it.
	texts := fpTexts()
	doc, _ := json.Marshal(map[string]any{"content": []map[string]any{{"type": "text", "text": texts[5]}, {"type": "text", "text": texts[6]}},
		"structuredContent": map[string]any{"a": texts[8], "b": texts[20:40]}})
	var want []uint64
	for _, s := range append([]string{texts[5], texts[6], texts[8]}, texts[20:40]...) {
		want = append(want, refFingerprints(s)...)
	}
	slices.Sort(want)
	want = slices.Compact(want)[:maxFingerprint]
	if got := ValueFingerprints(doc); !slices.Equal(got, want) {
		t.Fatalf("document:\n got %x\nwant %x", got, want)
	}
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
