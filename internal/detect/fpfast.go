package detect

import (
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The fingerprints of a text in one pass over it, without a slice of
// words or of hashes: the text's words are lower-cased once into a buffer,
// each followed by a 0 byte, so a shingle is one contiguous run of that
// buffer and its hash (FNV-1a, as hashWords defined it) reads it directly.
// Only the smallest 64 distinct hashes are kept (fpSet). The results are
// those of the original definition, bit for bit (TestFingerprintsMatchReference):
// recorded events (detail.result_fp) stay comparable.

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

func fnv64a(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime64
	}
	return h
}

// tokSeed is the FNV-1a state after "\x00tok\x00", the prefix of a token's hash.
var tokSeed = fnv64a(fnvOffset64, []byte("\x00tok\x00"))

// asciiWord: the ASCII bytes that are part of a word.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range utf8.RuneSelf {
		r := rune(c)
		t[c] = unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.' || r == '@' || r == '/' || r == '+' || r == '='
	}
	return t
}()

// fpSet keeps the smallest distinct hashes added, at most maxFingerprint,
// sorted.
type fpSet struct {
	n int
	a [maxFingerprint]uint64
}

func (s *fpSet) add(h uint64) {
	if s.n == maxFingerprint && h >= s.a[maxFingerprint-1] {
		return
	}
	pos, found := slices.BinarySearch(s.a[:s.n], h)
	if found {
		return
	}
	if s.n < maxFingerprint {
		s.n++
	}
	copy(s.a[pos+1:s.n], s.a[pos:s.n-1])
	s.a[pos] = h
}

func (s *fpSet) list() []uint64 {
	if s.n == 0 {
		return nil
	}
	return slices.Clone(s.a[:s.n])
}

// fpScratch is the per-text work space: the lower-cased words (each ended
// by a 0 byte), where each word ends in it, and the parity of the low bits
// of the bytes before each word.
type fpScratch struct {
	low    []byte
	bounds []int32 // bounds[k]: where word k starts in low; bounds[len-1]: the end
	parity []byte  // parity[k]: XOR of the low bits of low[:bounds[k]]
}

var fpScratchPool = sync.Pool{New: func() any { return new(fpScratch) }}

// wordAt: does a word rune start at text[i]? (Not a word: any other rune,
// and a byte that is not valid UTF-8.)
func wordAt(text string, i int) bool {
	if c := text[i]; c < utf8.RuneSelf {
		return asciiWord[c]
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// fingerprintInto adds the fingerprints of text to set.
func fingerprintInto(set *fpSet, text string) {
	if len(text) > maxFPBytes {
		text = text[:maxFPBytes]
	}
	sc := fpScratchPool.Get().(*fpScratch)
	defer fpScratchPool.Put(sc)
	low, bounds, parity := sc.low[:0], append(sc.bounds[:0], 0), append(sc.parity[:0], 0)
	var par byte
	for i := 0; i < len(text); {
		if !wordAt(text, i) {
			i++
			continue
		}
		// a word: lower-cased into low, then a 0 byte
		ws, lw := i, len(low)
		var x byte // XOR of the bytes appended
		for i < len(text) {
			c := text[i]
			if c < utf8.RuneSelf {
				if !asciiWord[c] {
					break
				}
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				low = append(low, c)
				x ^= c
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(text[i:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			at := len(low)
			low = utf8.AppendRune(low, unicode.ToLower(r))
			for _, b := range low[at:] {
				x ^= b
			}
			i += n
		}
		low = append(low, 0)
		par ^= x & 1
		bounds = append(bounds, int32(len(low)))
		parity = append(parity, par)
		if i-ws >= minTokenLen && distinctive(text[ws:i]) {
			set.add(fnv64a(tokSeed, low[lw:]))
		}
	}
	// Shingles are sampled by value (h mod 2). The low bit of an FNV-1a
	// hash is that of its offset basis (1) XOR the low bits of every byte
	// (the prime is odd), so only the sampled shingles are hashed.
	words := len(bounds) - 1
	for i := 0; i+shingleWords <= words; i++ {
		if parity[i]^parity[i+shingleWords] != 1 {
			continue
		}
		set.add(fnv64a(fnvOffset64, low[bounds[i]:bounds[i+shingleWords]]))
	}
	sc.low, sc.bounds, sc.parity = low, bounds, parity
	if cap(sc.low) > 4*maxFPBytes {
		sc.low = nil
	}
}
