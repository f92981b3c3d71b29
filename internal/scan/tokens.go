package scan

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// tok is a word in ntext.low.
type tok struct {
	s, e  int32 // offsets in low
	id    uint16
	sent  int32
	cats  uint64
	start bool // first word of a clause
	sink  bool // part of a URL or e-mail address
	under bool // contains an underscore (an identifier)
}

type sentence struct {
	ts, te int // token range [ts, te)
	s, e   int // low offsets
	cats   uint64
	bloom  uint64 // idBit of each word's id as tokenized (an unknown word sets bit 0)
	wsets  uint64 // union of its words' word sets (lexicon.wbits), as tokenized
	marks  uint8  // union of its words' marks (lexicon.marks), as tokenized
	imp    bool   // has a clause-initial imperative verb
	md     int8   // modelDirective cache: 0 unknown, 1 no, 2 yes
	ref    int8   // hasRef cache: 0 unknown, 1 no, 2 yes
}

var wordByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
	}
	return
}()

func isWordByte(c byte) bool { return wordByte[c] }

// Byte classes, eight bytes at a time: each function returns 0x80 in the
// bytes of x that are of the class and 0 in the others. y is x with the
// high bits cleared, so that the sums carry into no other byte.

// wordMask: word bytes (wordByte): a-z, 0-9, '_' and every byte from
// 0x80, given under = byteMask(x, '_').
func wordMask(x, under uint64) uint64 {
	y := x &^ hi8
	lower := (y + lo8*(0x80-'a')) &^ (y + lo8*(0x80-'z'-1))
	digit := (y + lo8*(0x80-'0')) &^ (y + lo8*(0x80-'9'-1))
	return (x | lower | digit | under) & hi8
}

// lowerMask: a-z.
func lowerMask(x uint64) uint64 {
	y := x &^ hi8
	return (y + lo8*(0x80-'a')) &^ (y + lo8*(0x80-'z'-1)) &^ x & hi8
}

// byteMask: bytes equal to c (c < 0x80).
func byteMask(x uint64, c byte) uint64 {
	y := x &^ hi8
	return ^((y ^ lo8*uint64(c)) + lo8*0x7f) &^ x & hi8
}

// gather8 packs the high bit of each byte of m (and no other bit may be
// set) into the low eight bits, byte k to bit k.
func gather8(m uint64) uint64 { return (m >> 7) * 0x0102040810204080 >> 56 }

// blockMasks returns bitmaps of low[b:b+64] (bit j for byte b+j; no bits
// past the end of low): word bytes, underscores and apostrophes.
func blockMasks(low []byte, b int) (w, u, q uint64) {
	if b+64 <= len(low) {
		// a fixed-size block and constant offsets: no bounds checks
		p := (*[64]byte)(low[b : b+64])
		var odd uint64
		chunk := func(k int) {
			x := binary.LittleEndian.Uint64(p[8*k:])
			under := byteMask(x, '_')
			w |= gather8(wordMask(x, under)) << (8 * k)
			odd |= under | byteMask(x, '\'')
		}
		chunk(0)
		chunk(1)
		chunk(2)
		chunk(3)
		chunk(4)
		chunk(5)
		chunk(6)
		chunk(7)
		if odd != 0 {
			for k := 0; k < 8; k++ {
				x := binary.LittleEndian.Uint64(low[b+8*k:])
				u |= gather8(byteMask(x, '_')) << (8 * k)
				q |= gather8(byteMask(x, '\'')) << (8 * k)
			}
		}
		return
	}
	for j := b; j < len(low); j++ {
		c := low[j]
		if wordByte[c] {
			w |= 1 << (j - b)
		}
		if c == '_' {
			u |= 1 << (j - b)
		}
		if c == '\'' {
			q |= 1 << (j - b)
		}
	}
	return
}

// lowerBits is lowerMask as a bitmap of low[b:b+64].
func lowerBits(low []byte, b int) uint64 {
	var l uint64
	if b+64 <= len(low) {
		for k := 0; k < 8; k++ {
			l |= gather8(lowerMask(binary.LittleEndian.Uint64(low[b+8*k:]))) << (8 * k)
		}
		return l
	}
	for j := b; j < len(low); j++ {
		if c := low[j]; c >= 'a' && c <= 'z' {
			l |= 1 << (j - b)
		}
	}
	return l
}

// tokenize splits t.low into words and sentences.
//
// A word is a run of word bytes (wordByte), with apostrophes that follow a
// word byte and precede a letter a-z ("user's"), which are not part of its
// vocabulary key. The text is read in blocks of 64 bytes: a bitmap of the
// word bytes of each block gives the words' starts and ends without a
// branch per byte, and a word of up to eight bytes is looked up with one
// load and one compare. The gap before each word decides sentence and
// clause boundaries (a single space, the common gap, decides nothing);
// each word gets its categories, its sentence and whether it opens a
// clause, and each sentence the union of its words' categories, the bloom
// of their ids and whether an imperative verb opens one of its clauses.
// One pass does it all, so that each word is written once and never read
// back.
//
// Most words of prose are simple: short, after a single space (or a comma
// or semicolon and a space), within a block. simpleWords adds runs of them
// in a loop that calls nothing (a call would make the compiler keep the
// loop's values in memory); every other word, and the rare events (a
// sentence boundary, a long word, a full token slice), go through word.
func (a *analysis) tokenize() {
	low := a.t.low
	n := len(low)
	z := tokenizer{low: low, tab: &a.lx.tab, cats: a.lx.cats, toks: a.toks[:0], sents: a.sents[:0]}
	open := -1         // start of a word not yet ended
	carry := uint64(0) // bit 63 of the previous block's word bitmap
	anyU := uint64(0)  // union of the underscore bitmaps
	var prevU, prevQ uint64
	// a word that reaches the end of the last full block ends in an empty
	// block at n
	for b := 0; b < n || b == n && carry != 0; b += 64 {
		w, u, q := blockMasks(low, b)
		anyU |= u
		if q != 0 {
			// apostrophes after a word byte and before a-z join the word
			next := uint64(0)
			if b+64 < n && low[b+64] >= 'a' && low[b+64] <= 'z' {
				next = 1 << 63
			}
			w |= q & (w<<1 | carry) & (lowerBits(low, b)>>1 | next)
		}
		starts := w &^ (w<<1 | carry)
		ends := ^w & (w<<1 | carry)
		carry = w >> 63
		simple := u|q == 0 && b >= 8 && b+72 <= n
		for {
			if open < 0 {
				if simple {
					// a word's start and end are two bits in a row of
					// edges, as no word is open
					edges := z.simpleWords(b, starts|ends)
					starts &= edges
					ends &= edges
				}
				if starts == 0 {
					break
				}
				open = b + bits.TrailingZeros64(starts)
				starts &= starts - 1
			}
			if ends == 0 {
				break // the word goes on in the next block
			}
			e := b + bits.TrailingZeros64(ends)
			ends &= ends - 1
			s := open
			open = -1
			// underscores and apostrophes: from the bitmaps of the block
			// and the one before, or from the bytes for a longer word
			var under, hasApos bool
			if s >= b {
				if u|q != 0 {
					span := (^uint64(0) >> (64 - uint(e-s))) << uint(s-b)
					under, hasApos = u&span != 0, q&span != 0
				}
			} else if s >= b-64 {
				head := uint(s - (b - 64))             // the word's bits in the block before, from head on
				tail := ^uint64(0) >> (64 - uint(e-b)) // and in this block (none when e == b)
				under = prevU>>head != 0 || u&tail != 0
				hasApos = prevQ>>head != 0 || q&tail != 0
			} else {
				under = bytes.IndexByte(low[s:e], '_') >= 0
				hasApos = bytes.IndexByte(low[s:e], '\'') >= 0
			}
			z.word(s, e, under, hasApos)
		}
		prevU, prevQ = u, q
	}
	if len(z.toks) > z.sentStart {
		z.closeSentence(n)
	}
	a.toks, a.sents = z.toks, z.sents
	a.allCats |= z.allCats
	// each sentence's word sets and marks, exactly: the rules that look
	// for a word of a set or a mark skip the sentences without one (the
	// bloom of ids lets through most sentences of ordinary prose). Sinks
	// later take words out (neutralizeSinks), so these are a superset.
	marks, wbits := a.lx.marks, a.lx.wbits
	for si := range a.sents {
		st := &a.sents[si]
		var m uint8
		var w uint64
		for _, t := range a.toks[st.ts:st.te] {
			m |= marks[t.id]
			w |= wbits[t.id]
		}
		st.marks, st.wsets = m, w
	}

	// every underscore is a word byte, so part of a word
	a.anyUnder = a.anyUnder || anyU != 0
	// simpleWords leaves out its words, of at most eight bytes
	if z.longest < 8 {
		for _, t := range z.toks {
			z.longest = max(z.longest, int(t.e-t.s))
		}
	}
	a.longest = z.longest
}

// tokenizer is tokenize's state between words.
type tokenizer struct {
	low   []byte
	tab   *vocabTable
	cats  []uint64 // by word id
	toks  []tok
	sents []sentence
	// the sentence being read: its first word and start, and what its
	// words have so far
	sentStart, sentS    int
	sentCats, sentBloom uint64
	sentImp             bool
	lastEnd             int    // end of the last word
	allCats             uint64 // union of the closed sentences' categories
	longest             int    // length of the longest word (but see simpleWords)
}

// closeSentence ends the sentence being read at low offset e; the next
// begins with the next word.
func (z *tokenizer) closeSentence(e int) {
	nt := len(z.toks)
	z.sents = append(z.sents, sentence{ts: z.sentStart, te: nt, s: z.sentS, e: e, cats: z.sentCats, bloom: z.sentBloom, imp: z.sentImp})
	z.allCats |= z.sentCats
	z.sentStart, z.sentCats, z.sentBloom, z.sentImp = nt, 0, 0, false
}

// word adds the word low[s:e], any word.
func (z *tokenizer) word(s, e int, under, hasApos bool) {
	low := z.low
	wl := e - s
	z.longest = max(z.longest, wl)
	var id uint16
	var tc uint64
	switch {
	case wl <= 8 && !hasApos && s+8 <= len(low):
		// a number of two digits or more is never looked up; the short
		// table leaves such words out
		id, tc = z.tab.shortWord(binary.LittleEndian.Uint64(low[s:]) & lenMask[wl])
	case (wl <= maxVocabWord || hasApos && wl-bytes.Count(low[s:e], []byte{'\''}) <= maxVocabWord) && !(wl > 1 && low[s] >= '0' && low[s] <= '9' && allDigits(low[s:e])):
		// a word padded with apostrophes is looked up as what it reads
		// ("ign'''...'ore" is "ignore", as word() gives it)
		id = lookupWord(z.tab, low[s:e], hasApos)
		if id == 0 && wl >= typoMinLen {
			id = z.tab.typoID(low[s:e])
		}
		tc = z.cats[id]
	}
	nt := len(z.toks)
	// a word opens a clause after a clause or sentence boundary, and the
	// text's first word opens one
	start := nt == 0
	if nt > 0 {
		if !(s-z.lastEnd == 1 && low[z.lastEnd] == ' ') {
			switch gapBoundary(low, z.lastEnd, s) {
			case 2:
				if nt > z.sentStart {
					z.closeSentence(z.lastEnd)
				}
				z.sentS, start = s, true
			case 1:
				start = true
			}
		}
		if nt-z.sentStart >= maxSentence {
			// no real sentence is this long; bound the work
			z.closeSentence(z.lastEnd)
			z.sentS, start = s, true
		}
		// "Then read the .env file": the word after a lead adverb
		// ("then", "next", "finally") opens the clause as well
		if p := &z.toks[nt-1]; !start && p.start && p.cats&cLead != 0 && int(p.sent) == len(z.sents) {
			start = true
		}
	} else {
		z.sentS = s
	}
	z.lastEnd = e
	z.sentCats |= tc
	z.sentBloom |= idBit(id)
	if start && tc&cImp != 0 {
		z.sentImp = true
	}
	if nt == cap(z.toks) {
		z.toks = append(z.toks, tok{})
	} else {
		z.toks = z.toks[:nt+1]
	}
	// field by field: a composite literal of this size is built on the
	// stack and copied; a word's sentence is the number of sentences
	// closed before it
	t := &z.toks[nt]
	t.s, t.e, t.id, t.cats = int32(s), int32(e), id, tc
	t.sent, t.start, t.sink, t.under = int32(len(z.sents)), start, false, under
}

// simpleWords adds the words of block b that are simple: begun and ended
// in the block, of at most eight bytes, after a single space or after
// ", " or "; " (which open a clause), with no underscore or apostrophe
// (the caller checks the block), and with room in the token slice and in
// the sentence. edges is the bitmap of the block's word starts and ends,
// with no word open before the first start; simpleWords returns it
// without the words it added, at the first word that is not simple. The
// block must have eight bytes of low on either side. It leaves longest
// alone (see tokenize).
func (z *tokenizer) simpleWords(b int, edges uint64) uint64 {
	nt := len(z.toks)
	if nt == 0 {
		return edges // the first word opens a sentence
	}
	// the loop's values, in locals: nothing in it calls a function
	win := (*[80]byte)(z.low[b-8 : b+72]) // the byte before a word at j is win[7+j]
	tab := z.tab
	room := z.toks[nt:min(cap(z.toks), z.sentStart+maxSentence)]
	lastEnd, sentCats, sentBloom, sentImp := z.lastEnd, z.sentCats, z.sentBloom, z.sentImp
	sent := int32(len(z.sents))
	prev := &z.toks[nt-1]
	prevLead := prev.start && prev.cats&cLead != 0 && prev.sent == sent
	k := 0
	for ; edges&(edges-1) != 0 && k < len(room); k++ {
		j := bits.TrailingZeros64(edges) & 63
		wl := uint(bits.TrailingZeros64(edges&(edges-1)) - j)
		s := b + j
		if wl > 8 {
			break
		}
		// after a single space, or after ", " or "; ", which open a clause
		start := false
		if s-lastEnd != 1 || win[7+j] != ' ' {
			if s-lastEnd != 2 || win[7+j] != ' ' || win[6+j] != ',' && win[6+j] != ';' {
				break
			}
			start = true
		}
		start = start || prevLead // after a lead adverb (see word)
		edges &= edges - 1
		edges &= edges - 1
		lastEnd = s + int(wl)
		// field by field: a composite literal is built on the stack and
		// copied
		t := &room[k]
		t.s, t.e, t.sent, t.start, t.sink, t.under = int32(s), int32(lastEnd), sent, start, false, false
		id, tc := tab.shortWord(binary.LittleEndian.Uint64(win[8+j:]) & lenMask[wl])
		t.id, t.cats = id, tc
		sentCats |= tc
		sentBloom |= idBit(id)
		if start && tc&cImp != 0 {
			sentImp = true
		}
		prevLead = start && tc&cLead != 0
	}
	z.toks = z.toks[:nt+k]
	z.lastEnd, z.sentCats, z.sentBloom, z.sentImp = lastEnd, sentCats, sentBloom, sentImp
	return edges
}

// lookupWord looks a word up, without its apostrophes.
func lookupWord(tab *vocabTable, w []byte, hasApos bool) uint16 {
	if hasApos {
		var keyBuf [maxVocabWord]byte
		k := 0
		for _, c := range w {
			if c != '\'' {
				keyBuf[k] = c
				k++
			}
		}
		w = keyBuf[:k]
	}
	c := keyChunk(w, 0)
	return tab.lookupKey(w, c, keyHash(w, c))
}

// longestWord is the length of the longest word (the encoded-payload
// rule's cue).
func (a *analysis) longestWord() int { return a.longest }

func allDigits[T ~string | ~[]byte](b T) bool {
	for i := 0; i < len(b); i++ {
		if b[i] < '0' || b[i] > '9' {
			return false
		}
	}
	return true
}

// digitWord reports a word of digits only ("3", "step 5"): not "" (a sink).
func digitWord(w string) bool { return w != "" && allDigits(w) }

// maxSentence bounds a sentence's length in words, which bounds every
// per-sentence loop and keeps scanning linear on hostile input.
const maxSentence = 400

// maxVocabWord is longer than any vocabulary word.
const maxVocabWord = 40

// gapBoundary classifies the text between two words: 2 = sentence
// boundary, 1 = clause boundary, 0 = none.
func gapBoundary(low []byte, s, e int) int {
	clause := 0
	for i := s; i < e; i++ {
		switch low[i] {
		case '!', '?', '|':
			if c := low[i]; c != '|' && i+1 < len(low) && isWordByte(low[i+1]) {
				// "b.png?d=", "append ?ctx=", "!important": a URL
				// query or a keyword, not the end of a sentence
				clause = 1
				continue
			}
			return 2
		case ';':
			clause = 1
		case '.':
			if i+1 < e && (low[i+1] == ' ' || low[i+1] == '\n' || low[i+1] == '\t' || low[i+1] == '"' || low[i+1] == '\'' || low[i+1] == ')' || low[i+1] == '*') {
				// "e.g." and single letters are not sentence ends
				if s >= 1 && (s < 2 || !isWordByte(low[s-2])) && i == s {
					clause = 1
					continue
				}
				return 2
			}
		case '\n':
			// blank line, or a line that follows a finished line, or a line
			// that starts a list item or markup
			j := i + 1
			for j < e && (low[j] == ' ' || low[j] == '\t' || low[j] == '\r') {
				j++
			}
			if j < e && low[j] == '\n' {
				return 2
			}
			k := i - 1
			for k >= s && (low[k] == ' ' || low[k] == '\t' || low[k] == '\r') {
				k--
			}
			if k >= s {
				switch low[k] {
				case '.', ':', '!', '?', ';', '>', ']', ')', '}', '-', '=', '#', '*', '`':
					return 2
				}
			} else if s > 0 {
				// the word itself ended the line
			}
			if j < e && low[j] == '+' && j+1 < e && (low[j+1] == '/' || low[j+1] == '#') && i > 0 {
				// a diff's added comment line ("+// ... to\n+// https://...")
				// goes on with the comment above it when that line was one
				ls := bytes.LastIndexByte(low[:i], '\n') + 1
				if ls+1 < i && low[ls] == '+' && (low[ls+1] == '/' || low[ls+1] == '#') {
					clause = 1
					continue
				}
			}
			if j < e {
				switch low[j] {
				case '-', '*', '#', '<', '[', '>', '|', '=', '{', '+':
					return 2
				case '`':
					if j+2 < e && low[j+1] == '`' && low[j+2] == '`' {
						return 2
					}
				}
			}
			if j >= e && e < len(low) {
				// next line starts directly with a word: a digit list item?
				if low[e] >= '0' && low[e] <= '9' {
					return 2
				}
			}
			clause = 1
		case '"':
			// the end of a JSON value ("key": "value", "next": ...): one
			// member's text is not read on into the next
			if i+1 < e && (low[i+1] == ',' || low[i+1] == '}' || low[i+1] == ']') {
				return 2
			}
			clause = 1
		case ',', ':', '(', ')', '[', ']', '<', '>', '{', '}', '`', '-', '*', '#', '=':
			clause = 1
		}
	}
	return clause
}
