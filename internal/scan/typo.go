package scan

// Misspelt key words. "Ignore your previous iunstructions" reads to a
// model exactly as the spelled word does, and a misspelling is the
// cheapest way past a filter that matches words. An unknown word of nine
// bytes or more that is one edit (a letter inserted, dropped, replaced, or
// two neighbours swapped) from one of the words below is read as that
// word. Only long words are considered: among short words one edit often
// makes another real word, and every word here already has its own entry
// in the vocabulary, so a correctly spelt word never gets this far.

// typoWords are the words whose misspellings count. They carry the
// override and bypass rules, whose other words are short and common.
const typoWords = "instructions instruction guidelines directives restrictions guardrails disregard previously confidential"

// typoMinLen is the shortest word checked for a misspelling.
const typoMinLen = 9

type typoTarget struct {
	w          string
	id         uint16
	head, tail uint32 // edges3 of w
}

// edges3 is a word's first three and last three bytes. One edit of a word
// of typoMinLen bytes or more leaves one of the two as it was (an edit
// near the start leaves the end, and the other way round), so a word that
// shares neither with a target is not compared with it.
func edges3(w []byte) (uint32, uint32) {
	n := len(w)
	return uint32(w[0]) | uint32(w[1])<<8 | uint32(w[2])<<16, uint32(w[n-3]) | uint32(w[n-2])<<8 | uint32(w[n-1])<<16
}

// typoID returns the id of the word w (lower case, not in the vocabulary)
// is a misspelling of, or 0.
func (t *vocabTable) typoID(w []byte) uint16 {
	if len(w) < typoMinLen {
		return 0
	}
	head, tail := edges3(w)
	if !t.typoEdges.has(head) && !t.typoEdges.has(tail) {
		return 0 // most long words: neither edge is a target's
	}
	for _, c := range t.typos {
		if d := len(w) - len(c.w); d >= -1 && d <= 1 && (head == c.head || tail == c.tail) && oneEdit(w, c.w) {
			return c.id
		}
	}
	return 0
}

// oneEdit reports whether w and t differ by exactly one insertion,
// deletion, substitution or transposition of neighbours (w != t).
func oneEdit(w []byte, t string) bool {
	// the common prefix and suffix; what is left must be one edit
	i := 0
	for i < len(w) && i < len(t) && w[i] == t[i] {
		i++
	}
	j := 0
	for j < len(w)-i && j < len(t)-i && w[len(w)-1-j] == t[len(t)-1-j] {
		j++
	}
	dw, dt := len(w)-i-j, len(t)-i-j
	switch {
	case dw == 1 && dt == 1, dw == 1 && dt == 0, dw == 0 && dt == 1:
		return true
	case dw == 2 && dt == 2:
		return w[i] == t[i+1] && w[i+1] == t[i]
	}
	return false
}

// edgeBloom is a 1024-bit Bloom filter of the targets' edges3.
type edgeBloom [16]uint64

func edgeBit(x uint32) uint32 { return (x * 0x9E3779B1) >> 22 }

func (b *edgeBloom) add(x uint32) { k := edgeBit(x); b[k/64] |= 1 << (k % 64) }

func (b *edgeBloom) has(x uint32) bool { k := edgeBit(x); return b[k/64]&(1<<(k%64)) != 0 }
