package scan

import "strings"

// A wordSet is a list of words that rules test at many tokens, read by
// lexicon id: an integer compare per token, and a sentence skipped when
// none of its words is of the set (sentence.wsets), instead of a string compare per
// word and token (rangeHas, is). Its words are interned in the lexicon
// after every other word (buildLexicon), so that no older word's id, and
// with it the sentence blooms, moves.
//
// A token is a word of the set exactly when its id is one of the set's:
// a non-sink token whose word is w has w's id (the tokenizer looks up
// every word that can be in the lexicon; TestWordIDsExact), and a
// token of another id reads as another word.
type wordSet struct {
	index int
	bit   uint64 // 1 << index (lexicon.wbits)
	words []string
}

// wordSetIDs is a wordSet as ids of a lexicon.
type wordSetIDs struct {
	ids []uint16
}

// wordSets are every wordSet, in the order declared.
var wordSets []*wordSet

// newWordSet declares a wordSet: lower-case words, separated by spaces,
// none of them a number of two digits or more (never looked up) or longer
// than the longest word looked up.
func newWordSet(words string) *wordSet {
	if len(wordSets) == 64 {
		panic("scan: more than 64 word sets")
	}
	ws := &wordSet{index: len(wordSets), bit: 1 << len(wordSets), words: strings.Fields(words)}
	for _, w := range ws.words {
		if w != strings.ToLower(w) || strings.ContainsRune(w, '\'') || len(w) > maxVocabWord || len(w) > 1 && allDigits(w) {
			panic("scan: word set: " + w + " is never a token's id")
		}
	}
	wordSets = append(wordSets, ws)
	return ws
}

// in reports whether token k is a word of ws.
func (a *analysis) in(k int, ws *wordSet) bool {
	return k >= 0 && k < len(a.toks) && a.lx.wbits[a.toks[k].id]&ws.bit != 0
}

// rangeHasSet is rangeHas for a wordSet: whether a token in [ts, te) is a
// word of ws.
func (a *analysis) rangeHasSet(ts, te int, ws *wordSet) bool {
	wbits := a.lx.wbits
	for k := max(ts, 0); k < te && k < len(a.toks); k++ {
		if wbits[a.toks[k].id]&ws.bit != 0 {
			return true
		}
	}
	return false
}

// sentMayHave reports whether sentence si may hold a word of ws: false
// when none of its words as tokenized is of the set (a sink may since have
// taken one out).
func (a *analysis) sentMayHave(si int, ws *wordSet) bool {
	return a.sents[si].wsets&ws.bit != 0
}

// sentHas reports whether sentence si has a word of ws.
func (a *analysis) sentHas(si int, ws *wordSet) bool {
	st := &a.sents[si]
	return st.wsets&ws.bit != 0 && a.rangeHasSet(st.ts, st.te, ws)
}
