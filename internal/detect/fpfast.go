package detect

import (
	"encoding/binary"
	"math/bits"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The fingerprints of a text (version FingerprintVersion): its bytes are
// read 8 at a time, and a word shorter than 8 bytes is classified,
// lower-cased and hashed at once, without a copy of the text; then its
// shingles from the words' hashes, O(1) a word. The definition:
//
//   - a word is a maximal run of letters, digits and _-.@/+= (Unicode
//     letters and digits; a byte that is not valid UTF-8 is not part of a
//     word), lower-cased (unicode.ToLower);
//   - a word's hash is step chained over its lower-cased bytes, 8 at a time
//     (little-endian, the last 8 padded with zero bytes): h = step(h ^ c),
//     from h = wordSeed;
//   - a shingle (6 consecutive words w0..w5) hashes to
//     fin(rotl(w0,5) ^ rotl(w1,4) ^ … ^ rotl(w4,1) ^ w5), kept when even
//     (a sample of half of them, the same in every text); the XOR is
//     rolled from one shingle to the next;
//   - a distinctive token (see distinctive) hashes to mix(w ^ tokSalt).
//
// Only the smallest 64 distinct hashes are kept (fpSet). fpfast_test.go
// checks this against a plain reference written from the definition
// above, on fixed, random and fuzzed texts and documents.

const (
	lanes01 = 0x0101010101010101
	lanes80 = 0x8080808080808080

	wordSeed = 0x243f6a8885a308d3 // initial word hash state
	tokSalt  = 0x13198a2e03707344 // distinguishes a token's hash from a word's
)

// step is the word hash's round: a bijection (an odd multiplier, then an
// xorshift), so that words of up to 8 bytes never collide.
func step(z uint64) uint64 {
	z *= 0xff51afd7ed558ccd
	return z ^ z>>32
}

// fin is a shingle's final mix: one multiplication.
func fin(z uint64) uint64 {
	z ^= z >> 32
	z *= 0xd6e8feb86659fd93
	return z ^ z>>32
}

// mix is splitmix64's finalizer: a bijection of 64-bit values whose
// output bits each depend on every input bit.
func mix(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	return z ^ z>>31
}

// fpSet keeps the smallest distinct hashes added, at most maxFingerprint,
// sorted. It must be reset before use.
type fpSet struct {
	n   int
	lim uint64 // ^lim: the largest hash kept once the set is full (0: not full)
	a   [maxFingerprint]uint64
	// seen: shingle hashes offered already, the last 2 for each value of
	// their top 7 bits (^0: none), so that a repeated text does not offer
	// the same ones over again
	seen [256]uint64
}

func (s *fpSet) reset() {
	s.n, s.lim = 0, 0
	for i := range s.a {
		s.a[i] = ^uint64(0)
	}
	for i := range s.seen {
		s.seen[i] = ^uint64(0)
	}
}

func (s *fpSet) add(h uint64) {
	if s.n == maxFingerprint && h >= s.a[maxFingerprint-1] {
		return
	}
	// the first element >= h: a binary search without branches over all
	// 64 (s.a[s.n:] are larger than any hash that gets here: ^0, or
	// dropped)
	lo := uint(0)
	_, less := bits.Sub64(s.a[31], h, 0) // 1: s.a[31] < h
	lo += 32 * uint(less)
	_, less = bits.Sub64(s.a[lo+15], h, 0)
	lo += 16 * uint(less)
	_, less = bits.Sub64(s.a[lo+7], h, 0)
	lo += 8 * uint(less)
	_, less = bits.Sub64(s.a[(lo+3)&63], h, 0)
	lo += 4 * uint(less)
	_, less = bits.Sub64(s.a[(lo+1)&63], h, 0)
	lo += 2 * uint(less)
	_, less = bits.Sub64(s.a[lo&63], h, 0)
	lo += uint(less)
	if int(lo) < s.n && s.a[lo] == h {
		return
	}
	if s.n < maxFingerprint {
		s.n++
	}
	copy(s.a[lo+1:s.n], s.a[lo:s.n-1])
	s.a[lo] = h
	if s.n == maxFingerprint {
		s.lim = ^s.a[maxFingerprint-1]
	}
}

func (s *fpSet) list() []uint64 {
	if s.n == 0 {
		return nil
	}
	out := make([]uint64, s.n)
	copy(out, s.a[:s.n])
	return out
}

// fpText is the fingerprints of texts so far (set), and the state of a
// word of 8 bytes or more (or with non-ASCII letters) being read.
type fpText struct {
	set fpSet
	ws  []uint64  // the current text's word hashes
	wsp *[]uint64 // where ws came from (wsPool)

	h      uint64 // chained hash of the full 8-byte chunks
	cur    uint64 // lower-cased bytes not yet hashed (nb of them)
	nb     uint
	size   int    // bytes of the word as written
	digits int    // ASCII digits in it
	upper  uint64 // non-zero: an upper-case letter in it
	lower  uint64 // non-zero: a lower-case letter in it
}

// feed appends k (1..8) lower-cased bytes, packed little-endian in v, to
// the long word.
func (t *fpText) feed(v uint64, k uint) {
	t.cur |= v << (8 * t.nb) // a shift of 64 gives 0
	nb := t.nb + k
	if nb >= 8 {
		t.h = step(t.h ^ t.cur)
		t.cur = v >> (8 * (8 - t.nb))
		nb -= 8
	}
	t.nb = nb
}

// end closes the long word: its token hash when it is distinctive; it
// returns the word's hash.
func (t *fpText) end() uint64 {
	w := t.h
	if t.nb > 0 {
		w = step(w ^ t.cur)
	}
	if t.size >= minTokenLen {
		up, low := t.upper != 0, t.lower != 0
		if (t.digits > 0 && (up || low)) || (up && low && t.size >= 12) || (!up && !low && t.digits >= 16) {
			t.set.add(mix(w ^ tokSalt))
		}
	}
	return w
}

// load8 reads the 8 bytes at b[i:], padded with 0 bytes (which are not
// word bytes) past the end of b.
func load8(b []byte, i int) uint64 {
	if i+8 <= len(b) {
		return binary.LittleEndian.Uint64(b[i:])
	}
	var tail [8]byte
	if i < len(b) {
		copy(tail[:], b[i:])
	}
	return binary.LittleEndian.Uint64(tail[:])
}

// lanes classifies 8 bytes at once: the 0x80 bit of each byte (lane)
// that is non-ASCII (high), an ASCII word byte, an ASCII letter; and the
// bytes with ASCII letters lower-cased.
func lanes(x uint64) (high, word, letter, xl uint64) {
	high = x & lanes80
	y := x &^ lanes80
	letter = inRange(y|0x20*lanes01, 'a', 'z') &^ high // 'A'|0x20 = 'a'
	word = (letter | inRange(y, '-', '9') | isByte(y, '+') | isByte(y, '=') | isByte(y, '@') | isByte(y, '_')) &^ high
	return high, word, letter, x | letter>>2
}

// inRange: the 0x80 bit of each 7-bit lane of y that is within [lo, hi].
func inRange(y uint64, lo, hi byte) uint64 {
	return (y + (0x80-uint64(lo))*lanes01) &^ (y + (0x7f-uint64(hi))*lanes01) & lanes80
}

// isByte: the 0x80 bit of each 7-bit lane of y that is c.
func isByte(y uint64, c byte) uint64 {
	return ^((y ^ uint64(c)*lanes01) + 0x7f*lanes01) & lanes80
}

// run fingerprints b (already cut to maxFPBytes) as one text: its words'
// hashes (words), then its shingles.
func (t *fpText) run(b []byte) {
	t.ws = t.words(t.ws[:0], b)
	t.shingles(t.ws)
}

// words appends the hashes of the words of b to ws. It reads b 8 bytes
// (lanes) at a time, b[i:i+8] (x0) and the next 8 (x1) classified as
// lanes() does: a word shorter than 8 bytes that starts in x0 is within
// x0 and x1, and is read from them at once (not a distinctive token: too
// short). Longer words, and words with non-ASCII bytes, are read by long.
func (t *fpText) words(ws []uint64, b []byte) []uint64 {
	// room for every word (a word and what ends it: 2 bytes at least),
	// and 2 more for those hashed and not kept
	if need := len(b)/2 + 4; cap(ws) < need {
		ws = make([]uint64, 0, need)
	}
	out := ws[:cap(ws)]
	n := len(ws)
	var high0, word0, xl0 uint64
	pos := uint(0) // bit offset in x0 of the next byte to read
	reload := true
	for i := 0; i < len(b); {
		if reload {
			high0, word0, _, xl0 = lanes(load8(b, i))
			pos, reload = 0, false
		}
		// lanes(load8(b, i+8)), inlined by hand
		x := load8(b, i+8)
		high1 := x & lanes80
		y := x &^ lanes80
		letter := inRange(y|0x20*lanes01, 'a', 'z') &^ high1
		word1 := (letter | inRange(y, '-', '9') | isByte(y, '+') | isByte(y, '=') | isByte(y, '@') | isByte(y, '_')) &^ high1
		xl1 := x | letter>>2
		long := -1 // where a word to read by long starts
		if high0|high1 == 0 {
			// ASCII: every word starting in x0 at once. Word starts
			// (lanes after a non-word lane, or at pos) and ends (lanes
			// before one) alternate; a word that began in the previous
			// 8 bytes was read then, and its end (before any start) is
			// left out. The last word may end in x1, at e1 (128 or more:
			// not in x1).
			from := ^uint64(0) << (pos & 63) // (& 63: pos < 64, so that the shift needs no check)
			starts := (word0&^(word0<<8) | word0&(0x80<<(pos&63))) & from
			ends := word0 &^ (word0>>8 | word1<<56) & from
			e1 := 64 + uint(bits.TrailingZeros64(word1&^(word1>>8)))&^7
			pos = 64
			for starts != 0 {
				s := uint(bits.TrailingZeros64(starts)) &^ 7 // bit offset of the word's first lane
				starts &= starts - 1
				e := uint(bits.TrailingZeros64(ends)) &^ 7 // of its last lane (64: in x1)
				ends &= ends - 1
				if e == 64 {
					e = e1
				}
				pos = max(pos, e+8)
				k := e - s + 8 // the word's length in bits
				if k >= 64 {
					long = int(s / 8)
					break
				}
				// x0 from s, then x1 (<< 1 << (63 - s): << (64 - s))
				out[n] = step(wordSeed ^ (xl0>>(s&63)|xl1<<1<<((63-s)&63))&(1<<(k&63)-1))
				n++
			}
		} else {
			n, pos, long = slowChunk(out, n, pos, high0, word0, xl0, high1, word1, xl1)
		}
		if long >= 0 {
			var w uint64
			var ok bool
			if i, w, ok = t.long(b, i+long); ok {
				out[n] = w
				n++
			}
			reload = true
			continue
		}
		i += 8
		pos -= 64
		high0, word0, xl0 = high1, word1, xl1
	}
	return out[:n]
}

// slowChunk reads the words that start in x0 (from pos) word by word,
// when x0 or x1 has non-ASCII bytes: stops are word or non-ASCII lanes. It
// returns the words' count in out, where x1 is to be read from, and where
// (in x0) a word to read by long starts (-1: none).
func slowChunk(out []uint64, n int, pos uint, high0, word0, xl0, high1, word1, xl1 uint64) (int, uint, int) {
	stops, nonword0, nonword1 := word0|high0, ^word0&lanes80, ^word1&lanes80
	for pos < 64 {
		stop := stops >> (pos & 63)
		if stop == 0 {
			return n, 64, -1
		}
		pos += uint(bits.TrailingZeros64(stop)) &^ 7
		// x0 from pos, then x1 (<< 1 << (63 - pos): << (64 - pos), 0 for pos 0)
		sh := (63 - pos) & 63
		k := uint(bits.TrailingZeros64(nonword0>>(pos&63)|nonword1<<1<<sh)) &^ 7
		if k >= 64 || (high0>>(pos&63)|high1<<1<<sh)>>(k&63)&0x80 != 0 {
			// a long word, or one with a non-ASCII byte, or a
			// non-ASCII byte that is not part of a word
			return n, pos, int(pos / 8)
		}
		out[n] = step(wordSeed ^ (xl0>>(pos&63)|xl1<<1<<sh)&(1<<(k&63)-1))
		n++
		pos += k
	}
	return n, pos, -1
}

// shingles offers the set the hash of each run of 6 words (ws: their
// hashes), sampled: fin of the XOR of the 6 words' hashes each rotated by
// the number of words after it in the run, when even.
func (t *fpText) shingles(ws []uint64) {
	if len(ws) < shingleWords {
		return
	}
	var poly uint64
	for _, w := range ws[:shingleWords-1] {
		poly = bits.RotateLeft64(poly, 1) ^ w
	}
	lim := t.set.lim
	for j := shingleWords - 1; j < len(ws); j++ {
		var out uint64 // the word leaving the run
		if j >= shingleWords {
			out = ws[j-shingleWords]
		}
		poly = bits.RotateLeft64(poly, 1) ^ bits.RotateLeft64(out, shingleWords) ^ ws[j]
		h := fin(poly)
		// Offered when sampled (even), possibly small enough (^lim) and
		// not offered before (seen): computed without branches, as the
		// outcome is random (and a repeated text would offer the same
		// hashes over and over).
		c := h | -(h & 1)                  // ^0 when not sampled
		_, small := bits.Sub64(c, ^lim, 0) // 1: c < ^lim
		seen := (*[2]uint64)(t.set.seen[h>>57*2:])
		d0, d1 := seen[0]^h, seen[1]^h
		if small&((d0|-d0)&(d1|-d1)>>63) != 0 {
			seen[0], seen[1] = h, seen[0]
			t.set.add(h)
			lim = t.set.lim
		}
	}
}

// long reads the word (or the non-word rune: !ok) at b[i:], of any
// length, adds its token hash if it is distinctive, and returns where it
// ends and its hash.
func (t *fpText) long(b []byte, i int) (next int, w uint64, ok bool) {
	t.h, t.cur, t.nb, t.size, t.digits, t.upper, t.lower = wordSeed, 0, 0, 0, 0, 0, 0
	for i < len(b) {
		x := load8(b, i)
		high, word, _, xl := lanes(x)
		y := x &^ lanes80
		digit := inRange(y, '0', '9') &^ high
		upper := inRange(y, 'A', 'Z') &^ high
		lower := inRange(y, 'a', 'z') &^ high
		k := uint(bits.TrailingZeros64(^word&lanes80)) &^ 7 // 64: all 8
		if k > 0 {
			m := uint64(1)<<k - 1 // k = 64: all ones
			t.feed(xl&m, k/8)
			t.size += int(k / 8)
			t.digits += bits.OnesCount64(digit & m)
			t.upper |= upper & m
			t.lower |= lower & m
			i += int(k / 8)
			if k == 64 {
				continue
			}
		}
		if high>>k&0x80 == 0 {
			if t.size == 0 {
				return i + 1, 0, false // (not called there)
			}
			break // an ASCII byte that is not part of a word
		}
		r, size := utf8.DecodeRune(b[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			if t.size == 0 {
				return i + size, 0, false // not a word
			}
			break
		}
		var e [utf8.UTFMax]byte
		el := utf8.EncodeRune(e[:], unicode.ToLower(r))
		var v uint64
		for j := el - 1; j >= 0; j-- {
			v = v<<8 | uint64(e[j])
		}
		t.feed(v, uint(el))
		t.size += size
		if unicode.IsUpper(r) {
			t.upper = 1
		}
		if unicode.IsLower(r) {
			t.lower = 1
		}
		i += size
	}
	return i, t.end(), true
}

var wsPool = sync.Pool{New: func() any { return new([]uint64) }}

// done returns the buffers of the fingerprinting.
func (t *fpText) done() {
	if t.wsp != nil && cap(t.ws) <= maxFPBytes/2+4 {
		*t.wsp = t.ws[:0]
		wsPool.Put(t.wsp)
	}
	t.ws, t.wsp = nil, nil
}

// add adds the fingerprints of text.
func (t *fpText) add(text []byte) {
	if len(text) > maxFPBytes {
		text = text[:maxFPBytes]
	}
	if t.wsp == nil {
		t.wsp = wsPool.Get().(*[]uint64)
		t.ws = *t.wsp
	}
	t.run(text)
}
