package scan

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
	imp    bool // has a clause-initial imperative verb
	md     int8 // modelDirective cache: 0 unknown, 1 no, 2 yes
}

var wordByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
	}
	return
}()

func isWordByte(c byte) bool { return wordByte[c] }

// tokenize splits t.low into words and sentences.
func (a *analysis) tokenize() {
	low := a.t.low
	lx := a.lx
	var keyBuf [48]byte
	sentStart := 0
	clauseStart := true
	b64run, prevStart := 0, 0
	lastEnd := 0
	a.sents = a.sents[:0]
	a.toks = a.toks[:0]
	// the open sentence's categories and imperative flag, gathered as its
	// words are added
	var sentCats uint64
	sentImp := false
	closeSentence := func(endLow int) {
		n := len(a.toks)
		if n > sentStart {
			a.sents = append(a.sents, sentence{ts: sentStart, te: n, s: int(a.toks[sentStart].s), e: endLow, cats: sentCats, imp: sentImp})
		}
		sentStart = n
		clauseStart = true
		sentCats, sentImp = 0, false
	}
	i := 0
	for i < len(low) {
		c := low[i]
		if !wordByte[c] {
			i++
			continue
		}
		// a word; apostrophes between letters are part of it
		// h is fnv of the word without its apostrophes, the vocabulary key
		s := i
		hasApos, under := false, false
		h := uint32(2166136261)
		for i < len(low) {
			c = low[i]
			if wordByte[c] {
				if c == '_' {
					under = true
				}
				h = (h ^ uint32(c)) * 16777619
				i++
				continue
			}
			if c == '\'' && i+1 < len(low) && low[i+1] >= 'a' && low[i+1] <= 'z' && i > s {
				hasApos = true
				i++
				continue
			}
			break
		}
		e := i
		// the gap before this word decides sentence and clause boundaries
		if len(a.toks) > 0 && !(s-lastEnd == 1 && low[lastEnd] == ' ') {
			switch gapBoundary(low, lastEnd, s) {
			case 2:
				closeSentence(lastEnd)
			case 1:
				clauseStart = true
			}
		}
		if len(a.toks)-sentStart >= maxSentence {
			closeSentence(lastEnd) // no real sentence is this long; bound the work
		}
		lastEnd = e
		var id uint16
		if e-s <= maxVocabWord && !(e-s > 1 && low[s] >= '0' && low[s] <= '9' && allDigits(low[s:e])) {
			if hasApos {
				k := 0
				for j := s; j < e; j++ {
					if low[j] != '\'' {
						keyBuf[k] = low[j]
						k++
					}
				}
				id = lx.tab.lookupHash(keyBuf[:k], h)
			} else {
				id = lx.tab.lookupHash(low[s:e], h)
			}
		}
		tc := lx.cats[id]
		sentCats |= tc
		if clauseStart && tc&cImp != 0 {
			sentImp = true
		}
		a.allCats |= tc
		a.anyUnder = a.anyUnder || under
		// a run of base64 alphabet: words joined by single + / - characters
		if len(a.toks) > 0 && s-lastEnd == 1 && (low[lastEnd] == '+' || low[lastEnd] == '/' || low[lastEnd] == '-') {
			b64run += e - prevStart
		} else {
			b64run = e - s
		}
		if b64run > a.maxB64 {
			a.maxB64 = b64run
		}
		prevStart = s
		n := len(a.toks)
		if n == cap(a.toks) {
			a.toks = append(a.toks, tok{})
		} else {
			a.toks = a.toks[:n+1]
		}
		// field by field: a composite literal of this size is built on the
		// stack and copied
		t := &a.toks[n]
		t.s, t.e, t.id, t.sent, t.cats = int32(s), int32(e), id, int32(len(a.sents)), tc
		t.start, t.sink, t.under = clauseStart, false, under
		clauseStart = false
	}
	closeSentence(len(low))
	// a token's sent, len(a.sents) when it was added, is already the index
	// of the sentence that closed over it: a.sents grows only in
	// closeSentence, which also starts the next sentence
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

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
		case ',', ':', '(', ')', '[', ']', '<', '>', '{', '}', '"', '`', '-', '*', '#', '=':
			clause = 1
		}
	}
	return clause
}
